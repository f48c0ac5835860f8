"""The mutation form of one license line: DESIGN.md "Changing a license count"."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from licensing.models import MAX_QUANTITY, SMALL_BUSINESS_CAP, LicenseLine, LicenseMutation
from licensing.services import (
    BELOW_IN_USE,
    DEVIATION_NOT_ACKNOWLEDGED,
    LicenseError,
    line_change_quantity,
)
from tests.confirming import post_confirmed
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

OVERVIEW = reverse("licensing:overview")


def url(line) -> str:
    return reverse("licensing:line_change", args=[line.id])


@pytest.fixture
def line(customer_a):
    # The nightly figure says 0 in use; the environments say 12 (counted fresh at submit time).
    line = LicenseLineFactory(
        license=customer_a.license, item="profit_users", scope="O", maximum=20, in_use=0
    )
    environment = EnvironmentFactory(customer=customer_a, type="O")
    EnvironmentUserFactory.create_batch(12, environment=environment, profit=True)
    return line


def assert_unchanged(line, maximum=20, portal=20):
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (maximum, portal)
    assert not LicenseMutation.objects.filter(line=line).exists()


def test_it_redirects_anonymous_visitors_to_login(client, line):
    for response in (client.get(url(line)), client.post(url(line), {"quantity": "30"})):
        assert response.status_code == 302
        assert response.url.startswith("/login/")
    assert_unchanged(line)


def test_it_shows_the_form_to_a_beheerder(client, beheerder, line):
    client.force_login(beheerder.user)
    response = client.get(url(line))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="quantity"' in html
    assert 'name="acknowledge_deviation"' not in html
    assert 'id="maximum">20<' in html


def test_it_forbids_a_medewerker_to_see_or_post_it(client, medewerker, line):
    client.force_login(medewerker.user)
    assert client.get(url(line)).status_code == 403
    assert client.post(url(line), {"quantity": "30"}).status_code == 403
    assert_unchanged(line)


def test_it_answers_404_for_a_line_of_another_customer(client, other_beheerder, line):
    client.force_login(other_beheerder.user)
    assert client.get(url(line)).status_code == 404
    assert client.post(url(line), {"quantity": "30"}).status_code == 404
    assert_unchanged(line)


def test_it_answers_404_for_a_line_that_does_not_exist(client, beheerder, line):
    client.force_login(beheerder.user)
    assert client.get(reverse("licensing:line_change", args=[line.id + 1000])).status_code == 404
    assert client.get(f"/licentiedata/regel/{'9' * 30}/wijzigen/").status_code == 404


def test_it_refuses_other_methods(client, beheerder, line):
    client.force_login(beheerder.user)
    assert client.put(url(line), {"quantity": "30"}).status_code == 405
    assert client.delete(url(line)).status_code == 405
    assert_unchanged(line)


def test_it_raises_the_count_and_shows_the_new_numbers(client, beheerder, line):
    client.force_login(beheerder.user)
    response = post_confirmed(client, url(line), {"quantity": "30"}, follow=True)
    assert response.redirect_chain == [(f"{OVERVIEW}#line-{line.id}", 302)]
    html = response.content.decode()
    assert "maximum en portaalaantal zijn nu 30; in gebruik 12, beschikbaar 18." in html
    line.refresh_from_db()
    assert (line.maximum, line.portal, line.in_use) == (30, 30, 12)
    mutation = LicenseMutation.objects.get(line=line)
    assert (mutation.old_maximum, mutation.old_portal, mutation.new_quantity) == (20, 20, 30)
    assert (mutation.contact, mutation.by, mutation.source) == (beheerder, "beheerder@example.nl", "portal")


def test_it_lowers_the_count_to_exactly_what_is_in_use(client, beheerder, line):
    client.force_login(beheerder.user)
    response = client.post(url(line), {"quantity": "12"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (12, 12)


def test_it_refuses_lowering_below_the_fresh_in_use_count(client, beheerder, line):
    client.force_login(beheerder.user)
    response = client.post(url(line), {"quantity": "10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert str(BELOW_IN_USE) == "Het gewenste aantal komt onder het werkelijke aantal in gebruik."
    assert str(BELOW_IN_USE) in html
    assert "12 in gebruik, gevraagd 10" in html
    assert_unchanged(line)


@pytest.mark.parametrize(
    "value",
    [
        "-1",
        "abc",
        "1e3",
        "12.5",
        "12.0",
        "",
        " ",
        "0x1F",
        "١٢",
        str(MAX_QUANTITY + 1),
        "9" * 30,
        "2147483648",
    ],
)
def test_it_shows_a_form_error_for_bad_input(client, beheerder, line, value):
    client.force_login(beheerder.user)
    response = client.post(url(line), {"quantity": value})
    assert response.status_code == 200
    assert response.context["form"].errors["quantity"]
    assert_unchanged(line)


def test_it_shows_a_form_error_when_the_number_is_missing(client, beheerder, line):
    client.force_login(beheerder.user)
    response = client.post(url(line), {})
    assert response.status_code == 200
    assert response.context["form"].errors["quantity"]
    assert_unchanged(line)


def test_it_needs_a_csrf_token(beheerder, line):
    client = Client(enforce_csrf_checks=True)
    client.force_login(beheerder.user)
    assert client.post(url(line), {"quantity": "30"}).status_code == 403
    assert_unchanged(line)


def test_it_caps_small_business_environments_at_ten(client, other_beheerder, customer_b):
    line = LicenseLineFactory(license=customer_b.license, item="environments", scope="license", maximum=5)
    client.force_login(other_beheerder.user)
    response = client.post(url(line), {"quantity": "11"})
    assert response.status_code == 200
    assert str(SMALL_BUSINESS_CAP % {"cap": 10}) in response.content.decode()
    assert_unchanged(line, maximum=5, portal=5)
    assert post_confirmed(client, url(line), {"quantity": "10"}).status_code == 302
    line.refresh_from_db()
    assert line.maximum == 10


class TestADeviatingLine:
    @pytest.fixture
    def deviating(self, line):
        LicenseLine.objects.filter(pk=line.pk).update(maximum=25, portal=20)
        line.refresh_from_db()
        return line

    def test_it_shows_both_numbers_the_explanation_and_the_request_link(self, client, beheerder, deviating):
        client.force_login(beheerder.user)
        html = client.get(url(deviating)).content.decode()
        assert "waar u feitelijk recht op heeft is <strong>25</strong>" in html
        assert "het portaal toont <strong>20</strong>" in html
        assert "wacht een nacht" in html
        assert f"{reverse('licensing:request_new')}?line={deviating.id}" in html
        assert 'name="acknowledge_deviation"' in html

    def test_it_refuses_the_change_until_the_review_is_confirmed(self, client, beheerder, deviating):
        client.force_login(beheerder.user)
        response = client.post(url(deviating), {"quantity": "30"})
        assert response.status_code == 200
        assert response.context["form"].errors["acknowledge_deviation"] == [str(DEVIATION_NOT_ACKNOWLEDGED)]
        assert_unchanged(deviating, maximum=25, portal=20)

    def test_it_goes_through_once_confirmed(self, client, beheerder, deviating):
        client.force_login(beheerder.user)
        response = post_confirmed(client, url(deviating), {"quantity": "30", "acknowledge_deviation": "on"})
        assert response.status_code == 302
        deviating.refresh_from_db()
        assert (deviating.maximum, deviating.portal) == (30, 30)
        mutation = LicenseMutation.objects.get(line=deviating)
        assert (mutation.old_maximum, mutation.old_portal, mutation.acknowledged_deviation) == (25, 20, True)


def test_the_service_refuses_a_medewerker(medewerker, line):
    with pytest.raises(PermissionDenied):
        line_change_quantity(line=line, by=medewerker, quantity=30)
    assert_unchanged(line)


def test_the_service_refuses_a_beheerder_of_another_customer(other_beheerder, line):
    with pytest.raises(PermissionDenied):
        line_change_quantity(line=line, by=other_beheerder, quantity=30)
    assert_unchanged(line)


@pytest.mark.parametrize("quantity", [-1, MAX_QUANTITY + 1, True, 1.5, "3"])
def test_the_service_refuses_quantities_that_are_no_count(beheerder, line, quantity):
    with pytest.raises(LicenseError):
        line_change_quantity(line=line, by=beheerder, quantity=quantity)
    assert_unchanged(line)
