"""Raising a license count is confirmed first, in numbers, and a stale confirmation carries nothing."""

import pytest
from django.urls import reverse

from licensing.models import LicenseLine, LicenseMutation
from licensing.services import BELOW_IN_USE
from portal.confirm import STALE
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

OVERVIEW = reverse("licensing:overview")


def url(line) -> str:
    return reverse("licensing:line_change", args=[line.id])


@pytest.fixture
def line(customer_a):
    # The nightly figure says 0 in use; the environments say 13 (counted fresh for the confirmation).
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=16)
    environment = EnvironmentFactory(customer=customer_a, type="O")
    EnvironmentUserFactory.create_batch(13, environment=environment, profit=True)
    return line


def ask(client, line, quantity: int, **extra):
    return client.post(url(line), {"quantity": str(quantity), **extra})


def confirm(client, line, quantity: int, state: str, **extra):
    return client.post(url(line), {"quantity": str(quantity), "confirm": "1", "state": state, **extra})


def test_a_raise_asks_for_confirmation_in_numbers_and_changes_nothing_yet(client, beheerder, line):
    client.force_login(beheerder.user)

    response = ask(client, line, 18)

    assert response.status_code == 200
    assert response.context["consequences"][0] == (
        "Maximum Profit-gebruikers (Productie) van 16 naar 18; in gebruik 13."
    )
    html = response.content.decode()
    assert "Dat zijn er 2 meer; daarna zijn er 5 beschikbaar." in html
    assert '<input type="hidden" name="quantity" value="18">' in html
    assert 'name="confirm" value="1"' in html
    assert f'href="{url(line)}?quantity=18"' in html  # cancel: back to the form with the number
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (16, 16)
    assert not LicenseMutation.objects.exists()


def test_the_confirmed_raise_goes_through_and_lands_on_the_changed_row(client, beheerder, line):
    client.force_login(beheerder.user)
    state = ask(client, line, 18).context["state"]

    response = confirm(client, line, 18, state)

    assert response.status_code == 302
    assert response.url == f"{OVERVIEW}#line-{line.id}"
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (18, 18)
    assert LicenseMutation.objects.get().new_quantity == 18


def test_a_stale_confirmation_asks_again_with_the_new_numbers(client, beheerder, line):
    client.force_login(beheerder.user)
    state = ask(client, line, 18).context["state"]
    # Meanwhile another Beheerder raised the line to 17.
    LicenseLine.objects.filter(pk=line.pk).update(maximum=17, portal=17)

    response = confirm(client, line, 18, state)

    assert response.status_code == 409
    assert response.context["stale"] == STALE
    assert response.context["consequences"][0].startswith(
        "Maximum Profit-gebruikers (Productie) van 17 naar 18"
    )
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (17, 17)
    assert not LicenseMutation.objects.exists()


def test_a_confirmation_that_the_rules_now_refuse_changes_nothing(client, beheerder, customer_a, line):
    client.force_login(beheerder.user)
    state = ask(client, line, 18).context["state"]
    environment = EnvironmentFactory(customer=customer_a, type="O")
    EnvironmentUserFactory.create_batch(6, environment=environment, profit=True)  # 19 in use now

    response = confirm(client, line, 18, state)

    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == [str(BELOW_IN_USE), "19 in gebruik, gevraagd 18"]
    line.refresh_from_db()
    assert line.maximum == 16
    assert not LicenseMutation.objects.exists()


def test_a_confirmation_of_another_state_is_not_one(client, beheerder, line):
    client.force_login(beheerder.user)

    response = confirm(client, line, 18, "0:0:0")

    assert response.status_code == 409
    assert not LicenseMutation.objects.exists()


def test_a_raise_still_below_what_is_in_use_is_refused_without_asking(client, beheerder, line):
    client.force_login(beheerder.user)
    LicenseLine.objects.filter(pk=line.pk).update(maximum=10, portal=10)
    line.refresh_from_db()
    # 13 in use against a maximum of 10: raising to 12 is still below what is in use.
    response = ask(client, line, 12)

    assert response.status_code == 200
    assert response.context["form"].errors["quantity"][0] == str(BELOW_IN_USE)
    assert not LicenseMutation.objects.exists()


def test_lowering_needs_no_confirmation(client, beheerder, line):
    client.force_login(beheerder.user)

    response = ask(client, line, 14)

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.maximum == 14


def test_a_deviation_is_acknowledged_before_the_confirmation_is_asked(client, beheerder, line):
    LicenseLine.objects.filter(pk=line.pk).update(maximum=16, portal=14)
    client.force_login(beheerder.user)

    refused = ask(client, line, 20)
    asked = ask(client, line, 20, acknowledge_deviation="on")
    done = confirm(client, line, 20, asked.context["state"], acknowledge_deviation="on")

    assert "acknowledge_deviation" in refused.context["form"].errors
    assert '<input type="hidden" name="acknowledge_deviation" value="on">' in asked.content.decode()
    assert done.status_code == 302
    assert LicenseMutation.objects.get().acknowledged_deviation


def test_a_medewerker_cannot_confirm_and_another_customer_gets_404(client, medewerker, other_beheerder, line):
    client.force_login(medewerker.user)
    assert confirm(client, line, 18, "16:16:13").status_code == 403
    client.force_login(other_beheerder.user)
    assert confirm(client, line, 18, "16:16:13").status_code == 404
    assert not LicenseMutation.objects.exists()


def test_the_form_shows_the_allowed_range_and_explains_change_against_request(client, beheerder, line):
    LicenseLine.objects.filter(pk=line.pk).update(in_use=13)
    client.force_login(beheerder.user)

    html = client.get(url(line)).content.decode()

    assert "Toegestaan: van 13 (nu in gebruik) tot 1000000." in html
    assert 'aria-describedby="quantity-range"' in html
    assert "Direct wijzigen" in html and "Licentieaanvraag" in html
    assert f"{reverse('licensing:request_new')}?line={line.id}" in html


def test_the_small_business_cap_is_the_top_of_the_range(client, other_beheerder, customer_b):
    line = LicenseLineFactory(license=customer_b.license, item="environments", scope="license", maximum=5)
    client.force_login(other_beheerder.user)

    html = client.get(url(line)).content.decode()

    assert "tot 10, de grens van Profit Small Business." in html


def test_the_number_typed_before_comes_back_in_the_form(client, beheerder, line):
    client.force_login(beheerder.user)

    assert client.get(f"{url(line)}?quantity=12").context["form"]["quantity"].value() == 12
    for junk in ("-1", "1e3", "abc", "9" * 30):
        assert client.get(f"{url(line)}?quantity={junk}").context["form"]["quantity"].value() is None


def test_a_refusal_below_in_use_sends_the_what_if_blocks_back_with_the_number(client, beheerder, line):
    client.force_login(beheerder.user)

    response = ask(client, line, 11)

    assert response.context["return_to"] == f"{url(line)}?quantity=11"
