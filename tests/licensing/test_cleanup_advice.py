"""Cleanup advice: which users to block, ranked by the seats it frees, and the what-if of a refused change."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing.maintenance.cleanup import (
    OUT_OF_SERVICE_FLEX,
    OUT_OF_SERVICE_TEMPS,
    Reason,
    cleanup_advice,
    what_if,
)
from licensing.recount import recount_customer
from tests.confirming import post_confirmed
from tests.factories import EmployeeFactory, EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

URL = reverse("licensing:maintenance_cleanup")
RECENTLY = timezone.now() - timedelta(days=2)


@pytest.fixture
def environments(customer_a):
    return {
        "O1": EnvironmentFactory(customer=customer_a, type="O"),
        "O2": EnvironmentFactory(customer=customer_a, type="O"),
        "T1": EnvironmentFactory(customer=customer_a, type="T"),
        "A1": EnvironmentFactory(customer=customer_a, type="A"),
    }


def user(environment, code, **fields):
    fields.setdefault("last_login", RECENTLY)
    return EnvironmentUserFactory(environment=environment, code=code, **fields)


def advice_of(customer, **kwargs) -> dict:
    advice = cleanup_advice(customer, **kwargs)
    return {candidate.code: candidate for candidate in advice.as_candidates(advice.rows)}


def employee(environments, *keys, in_service=False, kind="staff"):
    guid = uuid.uuid4()
    for key in keys:
        EmployeeFactory(environment=environments[key], guid=guid, in_service=in_service, kind=kind)
    return guid


def test_an_active_person_that_logged_in_recently_is_no_candidate(customer_a, environments):
    guid = employee(environments, "O1", in_service=True)
    user(environments["O1"], "12345.jansen", insite=True, employee_guid=guid)
    assert advice_of(customer_a) == {}


def test_a_temp_whose_employee_is_out_of_service_everywhere_is_a_candidate(customer_a, environments):
    gone = employee(environments, "O1", "O2", kind="temp")
    user(environments["O1"], "12345.kok", profit=False, insite=True, kind="temp", employee_guid=gone)
    # Still in service in one environment: not out of service everywhere.
    half = employee(environments, "O1", kind="temp")
    EmployeeFactory(environment=environments["T1"], guid=half, in_service=True)
    user(environments["O1"], "12345.yilmaz", insite=True, kind="temp", employee_guid=half)
    advice = advice_of(customer_a)
    assert list(advice) == ["12345.kok"]
    assert advice["12345.kok"].reasons == [Reason.OUT_OF_SERVICE]
    assert advice["12345.kok"].frees_text == "InSite-gebruikers Productie: 1"


def test_without_flex_staff_out_of_service_is_no_candidate_of_that_rule(customer_a, environments):
    gone = employee(environments, "O1")
    user(environments["O1"], "12345.smits", insite=True, employee_guid=gone)
    advice = cleanup_advice(customer_a)
    assert advice.flex is False
    assert advice.out_of_service_text == str(OUT_OF_SERVICE_TEMPS)
    assert advice_of(customer_a) == {}


def test_with_flex_the_candidates_are_staff_and_not_temps(client, beheerder, customer_a, environments):
    customer_a.license.flex = True
    customer_a.license.save()
    staff_gone = employee(environments, "O1")
    temp_gone = employee(environments, "O1", kind="temp")
    user(environments["O1"], "12345.smits", insite=True, employee_guid=staff_gone)
    user(environments["O1"], "12345.kok", insite=True, kind="temp", employee_guid=temp_gone)
    # A temp by its employee record only is a temp too.
    other_temp = employee(environments, "O2", kind="Temp")
    user(environments["O2"], "12345.flex", insite=True, employee_guid=other_temp)
    advice = advice_of(customer_a)
    assert list(advice) == ["12345.smits"]
    assert advice["12345.smits"].reasons == [Reason.OUT_OF_SERVICE]
    client.force_login(beheerder.user)
    response = client.get(URL)
    assert response.context["advice"].flex is True
    assert str(OUT_OF_SERVICE_FLEX) in response.content.decode()
    assert [c.code for c in response.context["candidates"]] == ["12345.smits"]


def test_without_flex_a_temp_by_its_employee_record_is_a_candidate(customer_a, environments):
    temp_gone = employee(environments, "O2", kind="temp")
    user(environments["O2"], "12345.flex", insite=True, employee_guid=temp_gone)
    assert list(advice_of(customer_a)) == ["12345.flex"]


def test_interns_and_test_users_are_candidates(customer_a, environments):
    user(environments["O1"], "12345.verbeek", profit=True, insite=True, kind="intern")
    user(environments["O1"], "12345.test", profit=True, kind="test")
    user(environments["O1"], "12345.systeem", profit=True, kind="system")
    advice = advice_of(customer_a)
    assert sorted(advice) == ["12345.test", "12345.verbeek"]
    assert advice["12345.verbeek"].reasons == [Reason.INTERN]
    assert advice["12345.test"].reasons == [Reason.TEST_USER]


def test_users_only_in_test_or_accept_environments_are_candidates(customer_a, environments):
    user(environments["T1"], "12345.tester", profit=True)
    user(environments["A1"], "12345.tester", profit=False, insite=True)
    user(environments["T1"], "12345.bart", profit=True)
    user(environments["O1"], "12345.bart", profit=True)
    advice = advice_of(customer_a)
    assert list(advice) == ["12345.tester"]
    assert advice["12345.tester"].reasons == [Reason.ONLY_TEST_ACCEPT]
    assert advice["12345.tester"].frees_text == "Profit-gebruikers Test: 1, InSite-gebruikers Acceptatie: 1"


def test_users_blocked_in_production_but_active_elsewhere_are_candidates(customer_a, environments):
    user(environments["O1"], "12345.bos", profit=True, blocked=True)
    user(environments["O2"], "12345.bos", profit=True)
    user(environments["O1"], "12345.smits", profit=True, blocked=True)
    user(environments["T1"], "12345.smits", profit=True, blocked=True)
    advice = advice_of(customer_a)
    # smits is blocked everywhere: it counts nowhere and blocking frees nothing.
    assert list(advice) == ["12345.bos"]
    assert advice["12345.bos"].reasons == [Reason.BLOCKED_IN_PRODUCTION]
    assert advice["12345.bos"].frees_text == "Profit-gebruikers Productie: 1"


def test_users_without_a_login_for_90_days_are_candidates(customer_a, environments):
    now = timezone.now()
    user(environments["O1"], "12345.never", profit=True, last_login=None)
    user(environments["O1"], "12345.old", profit=True, last_login=now - timedelta(days=91))
    user(environments["O2"], "12345.old", profit=True, last_login=now - timedelta(days=120))
    user(environments["O1"], "12345.mixed", profit=True, last_login=now - timedelta(days=200))
    user(environments["T1"], "12345.mixed", profit=True, last_login=now - timedelta(days=89))
    advice = advice_of(customer_a, now=now)
    assert sorted(advice) == ["12345.never", "12345.old"]
    assert advice["12345.never"].reasons == [Reason.NO_RECENT_LOGIN]


def test_coworkers_are_never_candidates_because_they_do_not_count(customer_a, environments):
    user(environments["O1"], "54321.groen", profit=True, kind="coworker", last_login=None)
    assert advice_of(customer_a) == {}


def test_it_ranks_by_the_seats_blocking_frees_and_lists_them_per_line(customer_a, environments):
    user(environments["O1"], "a-intern", profit=True, kind="intern")
    user(environments["O1"], "b-intern", profit=True, insite=True, outsite=True, kind="intern")
    user(environments["O2"], "b-intern", profit=True, kind="intern")
    user(environments["T1"], "b-intern", profit=True, kind="intern")
    user(environments["O1"], "c-intern", profit=True, insite=True, kind="intern")
    advice = cleanup_advice(customer_a)
    candidates = advice.as_candidates(advice.rows)
    assert [(c.code, c.seats) for c in candidates] == [("b-intern", 4), ("c-intern", 2), ("a-intern", 1)]
    assert candidates[0].frees_text == (
        "Profit-gebruikers Productie: 1, Profit-gebruikers Test: 1, "
        "InSite-gebruikers Productie: 1, OutSite-gebruikers Productie: 1"
    )
    assert [str(freed) for freed in advice.total_freed()] == [
        "Profit-gebruikers Productie: 3",
        "Profit-gebruikers Test: 1",
        "InSite-gebruikers Productie: 2",
        "OutSite-gebruikers Productie: 1",
    ]


def test_a_user_meeting_several_rules_is_listed_once_with_every_reason(customer_a, environments):
    user(environments["T1"], "12345.tester", profit=True, kind="test", last_login=None)
    advice = advice_of(customer_a)
    assert advice["12345.tester"].reasons == [
        Reason.TEST_USER,
        Reason.ONLY_TEST_ACCEPT,
        Reason.NO_RECENT_LOGIN,
    ]


def test_what_it_frees_matches_the_recount_after_blocking(client, beheerder, customer_a, environments):
    user(environments["O1"], "12345.verbeek", profit=True, insite=True, kind="intern")
    user(environments["T1"], "12345.verbeek", profit=True, kind="intern")
    user(environments["O1"], "12345.jansen", profit=True, insite=True)
    recount_customer(customer=customer_a)
    before = {(line.item, line.scope): line.in_use for line in customer_a.license.lines.all()}
    candidate = advice_of(customer_a)["12345.verbeek"]
    client.force_login(beheerder.user)
    post_confirmed(client, reverse("licensing:user_block", args=[candidate.identity_id]), {})
    after = {(line.item, line.scope): line.in_use for line in customer_a.license.lines.all()}
    freed = {(f.item, f.scope): f.seats for f in candidate.frees}
    assert freed == {("profit_users", "O"): 1, ("insite_users", "O"): 1, ("profit_users", "T"): 1}
    assert {
        key: before[key] - after.get(key, 0) for key in before if before[key] != after.get(key, 0)
    } == freed


def test_the_page_filters_on_a_reason_and_offers_blocking_to_a_beheerder(client, beheerder, environments):
    user(environments["O1"], "12345.verbeek", profit=True, kind="intern")
    user(environments["O1"], "12345.test", profit=True, kind="test")
    client.force_login(beheerder.user)
    response = client.get(URL, {"reden": "intern"})
    assert response.status_code == 200
    assert [c.code for c in response.context["candidates"]] == ["12345.verbeek"]
    html = response.content.decode()
    assert "Profit-gebruikers Productie: 1" in html
    assert reverse("licensing:user_block", args=[response.context["candidates"][0].identity_id]) in html


def test_a_medewerker_reads_the_advice_without_buttons(client, medewerker, environments):
    user(environments["O1"], "12345.verbeek", profit=True, kind="intern")
    client.force_login(medewerker.user)
    response = client.get(URL)
    assert [c.code for c in response.context["candidates"]] == ["12345.verbeek"]
    assert "/blokkeren/" not in response.content.decode()


def test_it_shows_only_the_customers_own_candidates(client, other_beheerder, environments):
    user(environments["O1"], "12345.verbeek", profit=True, kind="intern")
    client.force_login(other_beheerder.user)
    assert client.get(URL).context["candidates"] == []


def test_the_what_if_picks_enough_candidates_that_free_a_seat_on_the_line(customer_a, environments):
    line = LicenseLineFactory(license=customer_a.license, item="insite_users", scope="O", maximum=10)
    user(environments["O1"], "a-intern", insite=True, profit=True, kind="intern")
    user(environments["O1"], "b-test", insite=True, kind="test")
    user(environments["O1"], "c-tester", insite=True, kind="test")
    user(environments["T1"], "d-only-test", insite=True, kind="test")
    user(environments["O1"], "e-staff", insite=True)
    result = what_if(line=line, requested=3, in_use=4)
    assert result.needed == 1
    assert [c.code for c in result.candidates] == ["a-intern"]
    assert result.enough
    result = what_if(line=line, requested=0, in_use=4)
    assert [c.code for c in result.candidates] == ["a-intern", "b-test", "c-tester"]
    assert not result.enough
    assert "3 van de 4 benodigde plaatsen" in result.shortage_text


def test_the_what_if_has_no_candidates_for_lines_users_do_not_occupy(customer_a, environments):
    line = LicenseLineFactory(license=customer_a.license, item="employees", scope="license", maximum=10)
    user(environments["O1"], "a-intern", insite=True, kind="intern")
    assert what_if(line=line, requested=0, in_use=3).candidates == []


def test_a_refused_mutation_shows_the_candidates_that_would_free_enough(
    client, beheerder, customer_a, environments
):
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)
    for n in range(3):
        user(environments["O1"], f"12345.staff{n}", profit=True)
    user(environments["O1"], "12345.verbeek", profit=True, insite=True, kind="intern")
    user(environments["O2"], "12345.test", profit=True, kind="test")
    user(environments["T1"], "12345.tester", profit=True, kind="test")
    change_url = reverse("licensing:line_change", args=[line.id])
    client.force_login(beheerder.user)
    response = client.post(change_url, {"quantity": "4"})
    assert response.status_code == 200
    assert [c.code for c in response.context["what_if"].candidates] == ["12345.verbeek"]
    html = response.content.decode()
    assert 'id="what-if"' in html and "12345.verbeek" in html and "12345.tester" not in html
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (10, 10)
    # Block the suggested user from there, and the same change goes through.
    identity_id = response.context["what_if"].candidates[0].identity_id
    back = post_confirmed(client, reverse("licensing:user_block", args=[identity_id]), {"next": change_url})
    assert back.url == change_url
    assert client.post(change_url, {"quantity": "4"}).status_code == 302
    line.refresh_from_db()
    assert (line.maximum, line.in_use) == (4, 4)


def test_a_refused_mutation_says_when_cleanup_cannot_free_enough(client, beheerder, customer_a, environments):
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)
    user(environments["O1"], "12345.staff", profit=True)
    user(environments["O1"], "12345.verbeek", profit=True, kind="intern")
    client.force_login(beheerder.user)
    response = client.post(reverse("licensing:line_change", args=[line.id]), {"quantity": "0"})
    what = response.context["what_if"]
    assert (what.needed, [c.code for c in what.candidates], what.enough) == (2, ["12345.verbeek"], False)
    assert "1 van de 2 benodigde plaatsen" in response.content.decode()


def test_an_accepted_or_unrelated_form_shows_no_what_if(client, beheerder, customer_a, environments):
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)
    client.force_login(beheerder.user)
    response = client.get(reverse("licensing:line_change", args=[line.id]))
    assert response.context["what_if"] is None
    assert 'id="what-if"' not in response.content.decode()
