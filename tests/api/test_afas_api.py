"""The AFAS GetConnector at /ProfitRestServices/: the Licentiedata as AFAS rows, for an AfasToken of an
API key with licentiedata:read; one 401 for everything else; a bad query parameter a 400 naming it."""

import base64

import pytest
from django.test import Client

from api.afas import NO_SUCH_CONNECTOR, NO_TOKEN
from api.afas_query import FIELDS, metainfo, query, rows_from_report
from api.models import ApiKey, ApiScope
from api.problems import CONTENT_TYPE
from licensing.licentiedata import license_report
from licensing.models import License
from licensing.recount import recount_customer
from tests.api.credentials import credentials
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

CONNECTOR = "/ProfitRestServices/connectors/Licentiedata"
METAINFO = "/ProfitRestServices/metainfo/get/Licentiedata"


def afas_token(key: str) -> dict:
    xml = f"<token><version>1</version><data>{key}</data></token>"
    return {"HTTP_AUTHORIZATION": f"AfasToken {base64.b64encode(xml.encode()).decode()}"}


@pytest.fixture
def data(customer_a, customer_b):
    production = EnvironmentFactory(customer=customer_a, code="O12345AA")
    EnvironmentUserFactory(environment=production, code="12345.jansen", profit=True)
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=3)
    LicenseLineFactory(license=customer_a.license, item="environments", scope="license", maximum=5, portal=4)
    LicenseLineFactory(license=customer_b.license, item="profit_users", scope="O", maximum=2)
    recount_customer(customer=customer_a)
    return customer_a


def test_it_answers_the_rows_of_the_licentiedata(client, data, make_key):
    _api_key, secret = make_key(data)
    response = client.get(CONNECTOR, **afas_token(secret))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    rows = rows_from_report(license_report(data).as_json())
    assert body == {"skip": 0, "take": 100, "rows": rows}
    assert len(rows) == 3
    environments = next(row for row in body["rows"] if row["Onderdeel"] == "environments")
    assert environments == {
        "Klantnummer": "12345",
        "Onderdeel": "environments",
        "Bereik": "license",
        "Maximum": 5,
        "Portaalaantal": 4,
        "InGebruik": 1,
        "Beschikbaar": 4,
        "Afwijking": True,
        "GeteldOp": License.objects.get(customer=data).counted_at.isoformat(),
    }
    assert ApiKey.objects.get(pk=_api_key.pk).last_used_at is not None


def test_skip_take_order_and_filters_are_afas_query(client, data, make_key):
    _api_key, secret = make_key(data)
    params = {
        "skip": "1",
        "take": "1",
        "orderbyfieldids": "-Maximum",
        "filterfieldids": "Onderdeel",
        "filtervalues": "profit_users",
        "operatortypes": "1",
    }
    body = client.get(CONNECTOR, params, **afas_token(secret)).json()
    assert body == query(rows_from_report(license_report(data).as_json()), params)
    assert [(row["Bereik"], row["Maximum"]) for row in body["rows"]] == [("T", 3)]
    assert client.get(CONNECTOR, {"take": "5000"}, **afas_token(secret)).json()["take"] == 1000


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"skip": "-1"}, "skip"),
        ({"take": "many"}, "take"),
        ({"orderbyfieldids": "Prijs"}, "orderbyfieldids"),
        ({"filterfieldids": "Maximum", "filtervalues": "veel", "operatortypes": "2"}, "filtervalues"),
        ({"filterfieldids": "Maximum", "filtervalues": "1", "operatortypes": "12"}, "operatortypes"),
        ({"filtervalues": "1"}, "filtervalues"),
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(client, data, make_key, params, parameter):
    _api_key, secret = make_key(data)
    response = client.get(CONNECTOR, params, **afas_token(secret))
    assert response.status_code == 400
    assert response["Content-Type"] == CONTENT_TYPE
    body = response.json()
    assert body["parameter"] == parameter
    assert [error["field"] for error in body["errors"]] == [parameter]
    assert body["detail"] == body["errors"][0]["message"]


def test_the_refusal_is_in_the_requests_language(client, data, make_key):
    _api_key, secret = make_key(data)
    response = client.get(CONNECTOR, {"skip": "x"}, HTTP_ACCEPT_LANGUAGE="en", **afas_token(secret))
    assert response.json()["detail"] == "skip must be a whole number of 0 or more."
    assert response["Content-Language"] == "en"


def test_metainfo_describes_every_field(client, data, make_key):
    _api_key, secret = make_key(data)
    response = client.get(METAINFO, **afas_token(secret))
    assert response.status_code == 200
    body = response.json()
    assert body == metainfo()
    assert [field["id"] for field in body["fields"]] == [field.id for field in FIELDS]
    english = client.get(METAINFO, HTTP_ACCEPT_LANGUAGE="en", **afas_token(secret)).json()
    assert next(f["label"] for f in english["fields"] if f["id"] == "InGebruik") == "In use"


@pytest.mark.parametrize("url", [CONNECTOR, METAINFO])
def test_every_credential_that_is_no_usable_key_gets_the_same_401(
    client, data, customer_b, make_key, make_token, url
):
    secrets = credentials(
        data, customer_b, scope=ApiScope.LICENTIEDATA_READ, make_key=make_key, make_token=make_token
    )
    headers = {
        name: ({} if secret is None else afas_token(secret))
        for name, secret in secrets.items()
        if name not in ("own", "other_customer", "wrong_scope")
    }
    headers["bearer"] = {"HTTP_AUTHORIZATION": f"Bearer {secrets['own']}"}
    headers["not base64"] = {"HTTP_AUTHORIZATION": "AfasToken !!!"}
    headers["the key unencoded"] = {"HTTP_AUTHORIZATION": f"AfasToken {secrets['own']}"}
    answers = {name: client.get(url, **header) for name, header in headers.items()}
    seen = {(r.status_code, r["Content-Type"], r["WWW-Authenticate"], r.content) for r in answers.values()}
    assert len(seen) == 1, {name: r.status_code for name, r in answers.items()}
    status, content_type, challenge, _content = seen.pop()
    assert (status, content_type, challenge) == (401, CONTENT_TYPE, 'AfasToken realm="ProfitRestServices"')
    assert answers["none"].json()["detail"] == str(NO_TOKEN)
    assert client.get(url, **afas_token(secrets["own"])).status_code == 200
    # A usable key without licentiedata:read: 403, as everywhere in the API.
    assert client.get(url, **afas_token(secrets["wrong_scope"])).status_code == 403


def test_a_key_sees_only_its_own_customers_rows(client, data, customer_b, make_key):
    _api_key, secret = make_key(customer_b)
    body = client.get(CONNECTOR, **afas_token(secret)).json()
    assert [(row["Klantnummer"], row["Maximum"]) for row in body["rows"]] == [("67890", 2)]
    # Filtering on another customer's number finds nothing.
    params = {"filterfieldids": "Klantnummer", "filtervalues": "12345", "operatortypes": "1"}
    assert client.get(CONNECTOR, params, **afas_token(secret)).json()["rows"] == []


def test_no_login_redirect_and_no_csrf(data, make_key):
    _api_key, secret = make_key(data)
    client = Client(enforce_csrf_checks=True)
    response = client.get(CONNECTOR)
    assert response.status_code == 401  # not a redirect to /login/
    post = client.post(CONNECTOR, **afas_token(secret))
    assert (post.status_code, post["Allow"], post["Content-Type"]) == (405, "GET", CONTENT_TYPE)


def test_another_connector_or_address_is_a_404_problem(client, data, make_key):
    _api_key, secret = make_key(data)
    response = client.get("/ProfitRestServices/connectors/Profit_Employees", **afas_token(secret))
    assert (response.status_code, response["Content-Type"]) == (404, CONTENT_TYPE)
    assert response.json()["detail"] == str(NO_SUCH_CONNECTOR)
    assert client.get("/ProfitRestServices/connectors/Profit_Employees").status_code == 401
    other = client.get("/ProfitRestServices/updateconnector/Licentiedata")
    assert (other.status_code, other["Content-Type"]) == (404, CONTENT_TYPE)
