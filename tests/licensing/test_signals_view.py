"""Signalen: the list with state; a Beheerder copies a signal and adjusts the copy; the built-in stays."""

import pytest
from django.urls import reverse

from licensing.monitoring import nightly, services
from licensing.monitoring.models import LicenseWarning, Signal, WarningKind
from licensing.monitoring.services import RECIPIENT_NOT_A_CONTACT
from tests.factories import LicenseLineFactory

URL = reverse("licensing:signals")


def copy_url(signal):
    return reverse("licensing:signal_copy", args=[signal.id])


def edit_url(signal):
    return reverse("licensing:signal_edit", args=[signal.id])


def delete_url(signal):
    return reverse("licensing:signal_delete", args=[signal.id])


@pytest.fixture
def builtin(db):
    return services.ensure_builtin_signal()


@pytest.fixture
def fired(customer_a, builtin):
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=3)
    nightly.refresh_customers(customer_ids=[customer_a.id])
    return LicenseWarning.objects.get(kind=WarningKind.SIGNAL, line=line)


def edit_data(**overrides):
    return {"name": "Test bijna vol", "item": "profit_users", "scope": "T", "threshold": "2", **overrides}


def test_it_redirects_anonymous_visitors_to_login(client, builtin):
    assert client.get(URL).url.startswith("/login/")
    assert client.post(copy_url(builtin)).url.startswith("/login/")


def test_it_lists_the_builtin_signal_with_its_state(client, medewerker, beheerder, fired, builtin):
    client.force_login(medewerker.user)
    response = client.get(URL)

    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row.signal == builtin and row.state == "fired" and row.fired == [fired]
    html = response.content.decode()
    assert "Bijna geen Profit-gebruikers meer beschikbaar (per omgevingstype)" in html
    assert "Gemeld: onder de drempel op" in html
    # A Medewerker is not told to copy; it is told who can.
    assert "Kopiëren" not in html and "wel kopiëren" not in html
    assert f"Alleen een Beheerder kan signalen kopiëren en aanpassen: {beheerder.name}." in html


def test_the_builtin_signal_reads_in_english_too(client, medewerker, builtin):
    client.force_login(medewerker.user)
    client.cookies["django_language"] = "en"

    html = client.get(URL).content.decode()

    assert "Almost no Profit users left (per environment type)" in html
    assert "Bijna geen" not in html


def test_a_beheerder_copies_the_builtin_and_adjusts_the_copy(
    client, beheerder, medewerker, builtin, customer_a
):
    client.force_login(beheerder.user)
    response = client.get(copy_url(builtin))

    # The copy form is filled in from the original and creates nothing.
    assert response.status_code == 200 and not Signal.objects.filter(customer=customer_a).exists()
    form = response.context["form"]
    assert (
        form["name"].value() == "Kopie van Bijna geen Profit-gebruikers meer beschikbaar (per omgevingstype)"
    )
    assert (form["item"].value(), form["threshold"].value()) == ("profit_users", 5)
    assert 'class="form"' in response.content.decode()

    response = client.post(copy_url(builtin), edit_data(recipients=[medewerker.id], is_active="on"))

    assert response.status_code == 302 and response.url == URL
    copy = Signal.objects.get(customer=customer_a)
    assert copy.copied_from == builtin
    assert (copy.name, copy.scope, copy.threshold, copy.is_active) == ("Test bijna vol", "T", 2, True)
    assert list(copy.recipients.all()) == [medewerker]
    builtin.refresh_from_db()
    assert (builtin.name, builtin.scope, builtin.threshold) == (services.BUILTIN_SIGNAL_NAME, "", 5)
    assert builtin.recipients.count() == 0


def test_the_builtin_itself_cannot_be_edited(client, beheerder, builtin):
    client.force_login(beheerder.user)
    response = client.post(edit_url(builtin), edit_data())

    assert response.status_code == 403
    builtin.refresh_from_db()
    assert builtin.threshold == 5


def test_recipients_must_be_contacts_of_the_customer(client, beheerder, other_beheerder, customer_a, builtin):
    copy = Signal.objects.create(customer=customer_a, name="Kopie", item="profit_users", threshold=5)
    client.force_login(beheerder.user)

    response = client.post(edit_url(copy), edit_data(recipients=[other_beheerder.id]))

    assert response.status_code == 200
    assert "recipients" in response.context["form"].errors
    assert copy.recipients.count() == 0
    assert str(RECIPIENT_NOT_A_CONTACT)  # the service's own check, for callers outside this form


def test_an_item_that_does_not_fit_the_scope_is_refused(client, beheerder, customer_a):
    copy = Signal.objects.create(customer=customer_a, name="Kopie", item="profit_users", threshold=5)
    client.force_login(beheerder.user)

    response = client.post(edit_url(copy), edit_data(item="employees", scope="O"))

    assert response.status_code == 200
    assert "niet op dit bereik" in response.content.decode()
    copy.refresh_from_db()
    assert copy.item == "profit_users"


def test_a_medewerker_may_not_copy_or_edit(client, medewerker, builtin, customer_a):
    copy = Signal.objects.create(customer=customer_a, name="Kopie", item="profit_users", threshold=5)
    client.force_login(medewerker.user)

    assert client.post(copy_url(builtin), edit_data()).status_code == 403
    assert client.get(copy_url(builtin)).status_code == 403
    assert client.post(delete_url(copy)).status_code == 403
    assert client.get(edit_url(copy)).status_code == 403
    assert client.post(edit_url(copy), edit_data()).status_code == 403
    assert Signal.objects.filter(customer=customer_a).count() == 1
    copy.refresh_from_db()
    assert copy.threshold == 5


def test_another_customers_signal_is_not_found(client, other_beheerder, customer_a, builtin):
    copy = Signal.objects.create(customer=customer_a, name="Kopie", item="profit_users", threshold=5)
    client.force_login(other_beheerder.user)

    assert client.get(copy_url(copy)).status_code == 404
    assert client.post(delete_url(copy)).status_code == 404
    assert client.get(edit_url(copy)).status_code == 404
    assert [row.signal for row in client.get(URL).context["rows"]] == [builtin]


def test_wrong_methods_are_refused(client, beheerder, builtin):
    client.force_login(beheerder.user)
    assert client.put(copy_url(builtin)).status_code == 405
    assert client.get(delete_url(builtin)).status_code == 405
    assert client.post(URL).status_code == 405


def test_a_copy_that_the_form_refuses_is_not_created(client, beheerder, builtin, customer_a):
    client.force_login(beheerder.user)

    response = client.post(copy_url(builtin), edit_data(item="employees", scope="O"))

    assert response.status_code == 200 and "niet op dit bereik" in response.content.decode()
    assert not Signal.objects.filter(customer=customer_a).exists()


def test_a_beheerder_deletes_a_copy_but_never_the_builtin(client, beheerder, builtin, customer_a):
    copy = Signal.objects.create(customer=customer_a, name="Kopie", item="profit_users", threshold=5)
    client.force_login(beheerder.user)

    assert client.post(delete_url(builtin)).status_code == 403
    response = client.post(delete_url(copy))

    assert response.status_code == 302 and response.url == URL
    assert list(Signal.objects.all()) == [builtin]
    assert "Verwijderen" not in client.get(URL).content.decode()  # the built-in has no delete button


def test_a_copy_fires_for_its_own_customer_at_the_next_run(customer_a, beheerder, builtin):
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=8)
    copy = Signal.objects.create(
        customer=customer_a, name="Ruim", item="profit_users", scope="T", threshold=10
    )

    nightly.refresh_customers(customer_ids=[customer_a.id])

    assert LicenseWarning.objects.filter(kind=WarningKind.SIGNAL, line=line, signal=copy).count() == 1
    assert not LicenseWarning.objects.filter(kind=WarningKind.SIGNAL, signal=builtin).exists()


def test_the_list_is_a_table_in_the_portal_style_with_the_actions_together(client, beheerder, builtin):
    client.force_login(beheerder.user)

    html = client.get(URL).content.decode()

    assert '<table class="table signals-table">' in html
    row = html[html.index(f'id="signal-{builtin.id}"') :]
    assert '<div class="actions">' in row[: row.index("</tr>")]


def test_the_list_only_reads_and_shows_no_builtin_signal_when_there_is_none(client, medewerker):
    client.force_login(medewerker.user)
    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert not Signal.objects.exists()


def test_ensure_builtin_signal_creates_it_once(db):
    first = services.ensure_builtin_signal()

    assert services.ensure_builtin_signal() == first
    assert Signal.objects.filter(is_builtin=True).count() == 1
    assert (first.name, first.item, first.scope, first.threshold) == (
        services.BUILTIN_SIGNAL_NAME,
        "profit_users",
        "",
        services.BUILTIN_SIGNAL_THRESHOLD,
    )
