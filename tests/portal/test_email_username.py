"""One rule turns an e-mail address into a username (portal.accounts.username_for): invite, login and
reset all use it, and whatever the invite form accepts is a username Django itself accepts."""

import pytest
from allauth.core import context
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db import transaction
from django.test import RequestFactory
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portal.accounts import UNUSABLE_ADDRESS, username_for
from portal.forms import InviteForm, LoginForm
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "a@[127.0.0.1]",
    "a@[IPv6:::1]",
    "a!b@example.nl",
    "a/b@example.nl",
    "'quote'@example.nl",
    '"a b"@example.nl',
    "{anna}@example.nl",
    "a" * 140 + "@example.nl",
    "anna@bäckerei.de",
    "Anna.De.Vries+portal@Example.NL",
    "anna@EXAMPLE.ＮＬ",
]
# Surrounding whitespace the e-mail field strips, in the kinds a browser or a paste delivers.
PADDING = st.text(alphabet=" \t\r\n\u00a0\u2003", max_size=3)
EXAMPLES = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    # filter_too_much: most typed garbage is no address at all; the derandomised draw depends on the body.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@st.composite
def typed_address(draw) -> str:
    """An address as someone might type it: generated, hostile or garbage, in any case, padded."""
    address = draw(
        st.one_of(
            st.emails(),
            st.sampled_from(HOSTILE),
            st.text(max_size=40),
            st.from_regex(r"\A[a-zA-Z0-9._+\-!#'\[\]]{1,20}@[a-zA-Z0-9.\-\[\]:]{1,20}\Z"),
        )
    )
    return draw(PADDING) + draw(other_case(address)) + draw(PADDING)


@st.composite
def other_case(draw, text: str) -> str:
    # Only letters whose case round-trips ("ß".upper() is "SS": that is another address).
    return "".join(
        char.swapcase() if char.swapcase().swapcase() == char and draw(st.booleans()) else char
        for char in text
    )


def _accepted(address: str) -> str | None:
    form = InviteForm(data={"name": "Iemand", "email": address, "role": "medewerker"})
    if form.is_valid():
        return form.cleaned_data["email"]
    assert form.errors["email"]
    return None


@EXAMPLES
@given(address=typed_address())
def test_whatever_the_invite_form_accepts_is_a_valid_username(address):
    username = _accepted(address)
    assume(username is not None)

    user = get_user_model()(username=username, email=username, password=make_password(None))
    user.full_clean()  # the User model's own validators, and its NFKC normalisation

    assert user.username == username
    assert username_for(username) == username
    assert username == username.strip()


@EXAMPLES
@given(address=typed_address(), data=st.data())
def test_login_finds_the_account_in_any_case_and_whitespace(address, data):
    username = _accepted(address)
    assume(username is not None)
    typed_again = data.draw(PADDING) + data.draw(other_case(username)) + data.draw(PADDING)

    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, email=username, password=PASSWORD)
        request = RequestFactory().post("/login/")
        with context.request_context(request):
            form = LoginForm(data={"login": typed_again, "password": PASSWORD}, request=request)

            assert form.is_valid(), form.errors
        assert form.user.pk == user.pk
        transaction.set_rollback(True)


def test_it_refuses_an_address_that_cannot_be_a_username_with_a_form_error(client, beheerder):
    client.force_login(beheerder.user)
    users_before = get_user_model().objects.count()

    response = client.post(
        "/contactpersonen/uitnodigen/", {"name": "Lokaal", "email": "a@[127.0.0.1]", "role": "medewerker"}
    )

    assert response.status_code == 400
    assert str(UNUSABLE_ADDRESS) in response.content.decode()
    assert get_user_model().objects.count() == users_before


@pytest.mark.parametrize("address", ["anna@bäckerei.de", "Anna.De.Vries+portal@Example.NL"])
def test_it_invites_unusual_but_usable_addresses(client, beheerder, address):
    client.force_login(beheerder.user)

    response = client.post(
        "/contactpersonen/uitnodigen/", {"name": "A", "email": address, "role": "medewerker"}
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(username=address.lower())
    user.full_clean()
    assert user.email == address.lower()


def test_login_with_an_address_that_cannot_be_a_username_is_an_ordinary_refusal(client):
    response = client.post("/login/", {"login": "a@[127.0.0.1]", "password": PASSWORD})

    assert response.status_code == 200
    assert "horen niet bij elkaar" in response.content.decode()


def test_the_password_reset_finds_the_account_by_the_same_rule(client, beheerder):
    client.post("/wachtwoord-vergeten/", {"email": "  BEHEERDER@example.NL "})

    assert [message.to for message in mail.outbox] == [["beheerder@example.nl"]]


def test_the_password_reset_ignores_an_address_that_cannot_be_a_username(client):
    UserFactory(username="a@[127.0.0.1]", email="a@[127.0.0.1]")  # as an old invitation stored it

    response = client.post("/wachtwoord-vergeten/", {"email": "a@[127.0.0.1]"})

    assert response.status_code == 302
    assert mail.outbox == []
