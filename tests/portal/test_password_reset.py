import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import PASSWORD, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "blauwe-vogel-zingt-42"


def _link_from(message) -> str:
    return re.search(r"https?://[^/\s]+(/wachtwoord-instellen/\S+/)", message.body).group(1)


def test_it_mails_a_link_that_sets_a_new_password(client, beheerder):
    response = client.post("/wachtwoord-vergeten/", {"email": "beheerder@example.nl"})

    assert response.status_code == 302
    assert response.url == "/wachtwoord-vergeten/verstuurd/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["beheerder@example.nl"]
    link = _link_from(mail.outbox[0])

    form_url = client.get(link).url  # allauth swaps the token for a session marker first
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.url == "/wachtwoord-instellen/klaar/"
    beheerder.user.refresh_from_db()
    assert beheerder.user.check_password(NEW_PASSWORD)


def test_it_sends_nothing_for_an_unknown_address_but_says_the_same(client):
    response = client.post("/wachtwoord-vergeten/", {"email": "onbekend@example.nl"})

    assert response.status_code == 302
    assert response.url == "/wachtwoord-vergeten/verstuurd/"
    assert mail.outbox == []


def test_it_also_helps_an_invited_contact_that_never_set_a_password(client):
    user = UserFactory(email="nieuw@example.nl", password=None)
    user.set_unusable_password()
    user.save()
    ContactFactory(user=user)

    client.post("/wachtwoord-vergeten/", {"email": "nieuw@example.nl"})

    assert len(mail.outbox) == 1


def test_it_sends_nothing_to_a_user_without_contact(client):
    UserFactory(email="staf@example.nl")

    client.post("/wachtwoord-vergeten/", {"email": "staf@example.nl"})

    assert mail.outbox == []


def test_a_used_link_no_longer_works(client, beheerder):
    client.post("/wachtwoord-vergeten/", {"email": "beheerder@example.nl"})
    link = _link_from(mail.outbox[0])
    form_url = client.get(link).url
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    response = client.get(link)

    assert response.status_code == 200
    assert "ongeldig" in response.content.decode()
    assert get_user_model().objects.get(pk=beheerder.user.pk).check_password(NEW_PASSWORD)
    assert not get_user_model().objects.get(pk=beheerder.user.pk).check_password(PASSWORD)
