"""The what-if under a refused lowering: each candidate's explanation sits in that candidate's row."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing.maintenance.cleanup import OUT_OF_SERVICE_TEMPS
from tests.factories import EmployeeFactory, EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

pytestmark = pytest.mark.django_db

RECENTLY = timezone.now() - timedelta(days=2)


def refused_change(client, beheerder, customer_a):
    production = EnvironmentFactory(customer=customer_a, type="O")
    gone = uuid.uuid4()
    EmployeeFactory(environment=production, guid=gone, in_service=False, kind="temp")
    EnvironmentUserFactory(
        environment=production,
        code="12345.kok",
        profit=True,
        kind="temp",
        employee_guid=gone,
        last_login=RECENTLY,
    )
    EnvironmentUserFactory(
        environment=production, code="12345.verbeek", profit=True, kind="intern", last_login=RECENTLY
    )
    for n in range(2):
        EnvironmentUserFactory(
            environment=production, code=f"12345.staff{n}", profit=True, last_login=RECENTLY
        )
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)
    client.force_login(beheerder.user)
    return client.post(reverse("licensing:line_change", args=[line.id]), {"quantity": "2"})


def row_of(html: str, identity_id: int) -> str:
    start = html.index(f'id="what-if-{identity_id}"')
    return html[start : html.index("</tr>", start)]


def test_the_out_of_service_explanation_belongs_to_the_out_of_service_candidate(
    client, beheerder, customer_a
):
    response = refused_change(client, beheerder, customer_a)

    assert response.status_code == 200
    candidates = {c.code: c for c in response.context["what_if"].candidates}
    assert set(candidates) == {"12345.kok", "12345.verbeek"}
    html = response.content.decode()
    explanation = str(OUT_OF_SERVICE_TEMPS)
    assert html.count(explanation) == 1
    assert explanation in row_of(html, candidates["12345.kok"].identity_id)
    assert explanation not in row_of(html, candidates["12345.verbeek"].identity_id)


def test_each_candidate_row_has_its_reasons_what_it_frees_and_a_block_button(client, beheerder, customer_a):
    response = refused_change(client, beheerder, customer_a)

    html = response.content.decode()
    for candidate in response.context["what_if"].candidates:
        row = row_of(html, candidate.identity_id)
        assert candidate.code in row
        assert all(str(reason.label) in row for reason in candidate.reasons)
        assert candidate.frees_text in row
        assert reverse("licensing:user_block", args=[candidate.identity_id]) in row
