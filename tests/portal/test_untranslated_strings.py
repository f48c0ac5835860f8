"""Every main page, in each language, shows no text of the other language.

The demo data after a nightly run (warnings of every kind, a live deviation, a granted request) is
rendered page by page in Dutch and in English, forms with errors included, the back office too, and
each page's text is searched for the catalogue msgids that language must not show (tests/untranslated.py).
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from licensing.models import LicenseLine, LicenseMutation, MutationSource
from licensing.monitoring.models import LicenseWarning, Signal
from licensing.monitoring.nightly import refresh_customers
from licensing.monitoring.services import signal_copy
from licensing.services import line_set_maximum
from portal.models import Customer
from tests import untranslated

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BEHEERDER = ("beheerder@example.nl", "demo-beheerder")
MEDEWERKER = ("medewerker@example.nl", "demo-medewerker")


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    customer = Customer.objects.get(number="12345")
    refresh_customers(customer_ids=[customer.id])
    lines = LicenseLine.objects.filter(license__customer=customer)
    # A live deviation (the back office raised a maximum today) and a granted request on another line.
    line_set_maximum(customer=customer, item="profit_users", scope="O", quantity=40, by="set_entitlement")
    granted = lines.get(item="insite_users", scope="O")
    LicenseMutation.objects.create(
        line=granted,
        customer=customer,
        by="staff@example.nl",
        old_maximum=granted.maximum,
        old_portal=granted.portal,
        new_quantity=granted.maximum + 5,
        source=MutationSource.REQUEST,
    )
    LicenseLine.objects.filter(pk=granted.pk).update(maximum=granted.maximum + 5)
    copy = signal_copy(signal=Signal.objects.get(is_builtin=True), customer=customer, name="Profit O12345")
    assert LicenseWarning.objects.filter(customer=customer, resolved_at__isnull=True).exists()
    return {"customer": customer, "line": lines.get(item="profit_users", scope="O"), "signal": copy}


def pages(demo) -> list[tuple[str, str, dict | None]]:
    """(who, url, POST data or None): the main pages and their forms with errors."""
    line = demo["line"]
    user = get_user_model().objects.get(username=BEHEERDER[0])
    reset = reverse(
        "password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    get = [
        reverse("dashboard"),
        reverse("licensing:overview"),
        reverse("licensing:line_detail", args=[line.id]),
        reverse("licensing:line_change", args=[line.id]),
        reverse("licensing:mutations"),
        reverse("licensing:analysis"),
        reverse("licensing:requests"),
        reverse("licensing:request_new"),
        reverse("licensing:warnings"),
        reverse("licensing:signals"),
        reverse("licensing:signal_edit", args=[demo["signal"].id]),
        reverse("licensing:maintenance"),
        reverse("licensing:maintenance_employees"),
        reverse("licensing:maintenance_cleanup"),
        reverse("licensing:maintenance_log"),
        reverse("portal:contacts"),
    ]
    posts = [
        (reverse("licensing:line_change", args=[line.id]), {"quantity": "1"}),
        (reverse("licensing:line_change", args=[line.id]), {"quantity": "veel"}),
        (reverse("licensing:request_new"), {}),
        (reverse("licensing:signal_edit", args=[demo["signal"].id]), {"threshold": "-1"}),
        (reverse("portal:invite_contact"), {"email": "geen-adres"}),
    ]
    anonymous = [
        ("anonymous", reverse("login"), None),
        ("anonymous", reverse("login"), {"username": "beheerder@example.nl", "password": "fout"}),
        ("anonymous", reverse("password_reset"), None),
        ("anonymous", reset, None),
    ]
    return (
        [("beheerder", url, None) for url in get]
        + [("beheerder", url, data) for url, data in posts]
        + [("medewerker", url, None) for url in get[:6]]
        + [("medewerker", reverse("licensing:line_change", args=[line.id]), None)]  # the 403 page
        + anonymous
    )


def admin_pages() -> list[tuple[str, dict | None]]:
    return [
        (reverse("admin:index"), None),
        (reverse("admin:portal_customer_changelist"), None),
        (reverse("admin:portal_customer_add"), {}),
        (reverse("admin:licensing_licenseline_changelist"), None),
        (reverse("admin:licensing_licenserequest_changelist"), None),
        (reverse("admin:monitoring_licensewarning_changelist"), None),
        (reverse("admin:pricing_pricelist_changelist"), None),
        (reverse("admin:pricing_pricelist_add"), None),
    ]


def render(client, url, data):
    response = client.post(url, data) if data is not None else client.get(url)
    if response.status_code in (301, 302) and data is not None:
        return None  # a form that went through has no page of its own
    assert response.status_code in (200, 400, 403), (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_page_shows_text_of_the_other_language(client, demo, language):
    if language == "en":
        suspects = untranslated.untranslated_in_english(
            untranslated.project_sources(), untranslated.catalogue("en")
        )
    else:
        suspects = untranslated.untranslated_in_dutch(
            untranslated.english_sources(), untranslated.catalogue("nl")
        )
    found, rendered = {}, 0
    logins = {"beheerder": BEHEERDER, "medewerker": MEDEWERKER}
    for who, url, data in pages(demo):
        client.logout()
        if who in logins:
            client.force_login(get_user_model().objects.get(username=logins[who][0]))
        client.cookies["django_language"] = language
        html = render(client, url, data)
        if html is not None:
            rendered += 1
            found.update({(url, msgid): line for msgid, line in untranslated.findings(html, suspects)})
    staff = get_user_model().objects.create_superuser("staff", "staff@example.nl", "x")
    client.force_login(staff)
    client.cookies["django_language"] = language
    for url, data in admin_pages():
        html = render(client, url, data)
        rendered += 1
        found.update({(url, msgid): line for msgid, line in untranslated.findings(html, suspects)})

    assert rendered >= 30
    assert found == {}


def test_the_detector_finds_dutch_on_an_english_page_and_english_on_a_dutch_page():
    dutch = [
        untranslated.source(None, "Er staat niets open."),
        untranslated.source(None, "%(count)s medewerkers"),
    ]
    english = [
        untranslated.source(None, "This password is too short. It must contain at least %d characters.")
    ]
    html = (
        "<main><p>Er staat niets <strong>open</strong>.</p><td>12 medewerkers</td>"
        '<input type="submit" value="Save"><p>This password is too short. It must contain at least 8 '
        "characters.</p><p>Page 1 of 3</p></main>"
    )

    assert [msgid for msgid, _line in untranslated.findings(html, dutch)] == [
        "%(count)s medewerkers",
        "Er staat niets open.",
    ]
    assert len(untranslated.findings(html, english)) == 1
    # A short msgid is only a whole line: the Dutch "of" is not found in "Page 1 of 3".
    assert untranslated.findings(html, [untranslated.source(None, "of van")]) == []
    assert untranslated.findings("<p>of van</p>", [untranslated.source(None, "of van")]) == [
        ("of van", "of van")
    ]


def test_the_suspects_are_what_each_catalogue_leaves_untranslated():
    sources = [untranslated.source(None, text) for text in ("Omgevingen", "Status", "Nergens vertaald")]
    catalog = {"Omgevingen": "Environments", "Status": "Status"}

    assert [s.msgid for s in untranslated.untranslated_in_english(sources, catalog)] == [
        "Omgevingen",
        "Nergens vertaald",
    ]
    assert [s.msgid for s in untranslated.untranslated_in_dutch(sources, catalog)] == ["Nergens vertaald"]
