"""Every error under /api/ is an RFC 9457 problem document, in the language Accept-Language asks for."""

import pytest
from django.test import Client
from django.urls import clear_url_caches

from api.problems import CONTENT_TYPE, field_path, language_of

LICENTIEDATA = "/api/v1/licentiedata/"


@pytest.fixture
def test_api(settings):
    """The project's URLs plus tests.api.problem_urls' API at /api/test/."""
    settings.ROOT_URLCONF = "tests.api.problem_urls"
    clear_url_caches()
    yield Client(raise_request_exception=False)
    clear_url_caches()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == CONTENT_TYPE
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:licentieportaal:problem:")
    assert body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "nl"),
        ("en", "en"),
        ("en-GB,en;q=0.8", "en"),
        ("de, en;q=0.5", "en"),
        ("de", "nl"),
        ("*", "nl"),
        ("fr;q=0.9, nl;q=0.3, en;q=0.5", "en"),
        ("nonsense;;q=x", "nl"),
    ],
)
def test_the_language_is_the_first_of_accept_language_the_portal_speaks(rf, header, language):
    assert language_of(rf.get("/", HTTP_ACCEPT_LANGUAGE=header)) == language


def test_a_401_in_dutch_by_default_and_in_english_on_request(client, db):
    dutch = assert_problem(client.get(LICENTIEDATA), 401)
    assert dutch["title"] == "Niet aangemeld"
    assert client.get(LICENTIEDATA)["Content-Language"] == "nl"
    response = client.get(LICENTIEDATA, HTTP_ACCEPT_LANGUAGE="en")
    english = assert_problem(response, 401)
    assert english["title"] == "Not authenticated"
    assert english["detail"] == "Send a valid API key: Authorization: Bearer <key>."
    assert response["Content-Language"] == "en"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_portal_language_cookie_does_not_choose_the_language_of_the_api(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert assert_problem(client.get(LICENTIEDATA), 401)["title"] == "Niet aangemeld"


def test_an_address_of_no_operation_is_a_404_problem(client, db):
    for url in ("/api/v1/nothing/", "/api/", "/api/v2/licentiedata/"):
        body = assert_problem(client.get(url, HTTP_ACCEPT_LANGUAGE="en"), 404)
        assert body["title"] == "Not found"


def test_a_method_the_operation_does_not_take_is_a_405_problem_with_allow(client, db):
    response = client.delete(LICENTIEDATA)
    assert_problem(response, 405)
    assert response["Allow"] == "GET"


def test_a_nul_byte_is_a_400_problem(client, db):
    assert_problem(client.get(LICENTIEDATA, {"q": "a\x00b"}), 400)


def test_a_body_that_does_not_validate_names_each_field_by_its_path(test_api, db):
    body = '{"quantity": 11, "users": [{"code": "a", "profit": true}, {"code": 1}]}'
    response = test_api.post("/api/test/snapshot", body, content_type="application/json")
    problem = assert_problem(response, 422)
    assert problem["errors"] == [
        {"field": "quantity", "message": "Geef een waarde van hoogstens 10."},
        {"field": "users[1].code", "message": "Geef een tekst."},
        {"field": "users[1].profit", "message": "Dit veld is verplicht."},
    ]


def test_a_query_parameter_that_does_not_validate_in_english(test_api, db):
    response = test_api.get("/api/test/count", {"days": "many"}, HTTP_ACCEPT_LANGUAGE="en")
    problem = assert_problem(response, 422)
    assert problem["title"] == "Invalid input"
    assert problem["errors"] == [{"field": "days", "message": "Give a whole number."}]


def test_a_body_that_is_no_json_is_a_400_problem(test_api, db):
    response = test_api.post("/api/test/snapshot", "{not json", content_type="application/json")
    assert (
        assert_problem(response, 400)["detail"]
        == "De inhoud van het verzoek is niet te lezen; stuur geldige JSON."
    )


def test_a_domain_error_is_its_status_with_its_message_and_details(test_api, db):
    problem = assert_problem(test_api.post("/api/test/refuse"), 409)
    assert problem["detail"] == "Het gewenste aantal komt onder het werkelijke aantal in gebruik."
    assert (problem["in_use"], problem["requested"]) == (12, 10)
    assert problem["type"] == "urn:licentieportaal:problem:refused"


def test_a_crash_is_a_500_problem_that_gives_nothing_away(test_api, db):
    problem = assert_problem(test_api.get("/api/test/crash"), 500)
    assert "boom" not in str(problem) and "Traceback" not in str(problem)


@pytest.mark.parametrize(
    ("loc", "path"),
    [(("users", 3, "profit"), "users[3].profit"), ((0,), "[0]"), (("a", "b"), "a.b"), ((), "")],
)
def test_a_location_reads_as_a_dotted_path_with_indices(loc, path):
    assert field_path(loc) == path


def test_pages_outside_the_api_keep_their_own_error_pages(client, beheerder):
    client.force_login(beheerder.user)
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
