import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from portal.models import Contact, Membership, Role
from portal.services import ALREADY_CONTACT
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/contactpersonen/uitnodigen/"
NEW = {"name": "Anna de Vries", "email": "Anna.de.Vries@Example.nl", "role": "medewerker"}
NEW_PASSWORD = "blauwe-vogel-zingt-42"


def _invite(client, data=NEW, *, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, data)


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.post(URL, NEW)

    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert not Contact.objects.exists()


def test_a_beheerder_invites_a_new_person(client, beheerder, customer_a, django_capture_on_commit_callbacks):
    client.force_login(beheerder.user)

    response = _invite(client, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response.url == "/contactpersonen/"
    user = get_user_model().objects.get(username="anna.de.vries@example.nl")
    assert user.email == "anna.de.vries@example.nl"
    assert not user.has_usable_password()
    membership = Membership.objects.get(contact__user=user)
    assert membership.customer == customer_a
    assert membership.role == Role.MEDEWERKER
    assert membership.contact.name == "Anna de Vries"
    assert "is uitgenodigd" in client.get("/contactpersonen/").content.decode()


def test_the_invitation_carries_a_link_that_sets_the_password(
    client, beheerder, django_capture_on_commit_callbacks
):
    client.force_login(beheerder.user)
    _invite(client, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna.de.vries@example.nl"]
    assert "12345 Bakkerij De Korenschoof BV" in message.subject
    assert beheerder.name in message.body
    link = re.search(r"https?://[^/\s]+(/wachtwoord-instellen/\S+/)", message.body).group(1)

    invited = Client()
    form_url = invited.get(link).url
    response = invited.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert get_user_model().objects.get(username="anna.de.vries@example.nl").check_password(NEW_PASSWORD)
    assert invited.login(username="anna.de.vries@example.nl", password=NEW_PASSWORD)


def test_it_sends_the_email_only_after_commit(client, beheerder):
    client.force_login(beheerder.user)

    client.post(URL, NEW)  # the test's transaction never commits

    assert mail.outbox == []
    assert Membership.objects.filter(contact__user__username="anna.de.vries@example.nl").exists()


def test_it_adds_a_contact_of_another_customer_without_a_new_user(
    client, beheerder, other_beheerder, customer_a, django_capture_on_commit_callbacks
):
    client.force_login(beheerder.user)
    users_before = get_user_model().objects.count()

    data = {"name": "Wie dan ook", "email": "beheerder67890@example.nl", "role": "beheerder"}
    response = _invite(client, data, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert get_user_model().objects.count() == users_before
    assert other_beheerder.memberships.get(customer=customer_a).role == Role.BEHEERDER
    other_beheerder.refresh_from_db()
    assert other_beheerder.name != "Wie dan ook"
    assert "/login/" in mail.outbox[0].body
    assert "wachtwoord-instellen" not in mail.outbox[0].body


def test_it_refuses_someone_who_is_already_a_contact(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    response = client.post(URL, {"name": "X", "email": "MEDEWERKER@example.nl", "role": "beheerder"})

    assert response.status_code == 400
    assert str(ALREADY_CONTACT % {"email": "medewerker@example.nl"}) in response.content.decode()
    assert medewerker.memberships.get().role == Role.MEDEWERKER
    assert mail.outbox == []


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Anna", "email": "geen-e-mailadres", "role": "medewerker"},
        {"name": "", "email": "anna@example.nl", "role": "medewerker"},
        {"name": "Anna", "email": "anna@example.nl", "role": "koning"},
        {"name": "Anna", "email": "anna@example.nl"},
        {"name": "Anna", "email": "a" * 150 + "@example.nl", "role": "medewerker"},
        {"name": "A" * 201, "email": "anna@example.nl", "role": "medewerker"},
    ],
)
def test_it_shows_a_form_error_for_bad_input(client, beheerder, data):
    client.force_login(beheerder.user)
    contacts_before = Contact.objects.count()

    response = client.post(URL, data)

    assert response.status_code == 400
    assert 'class="field__error"' in response.content.decode()
    assert Contact.objects.count() == contacts_before
    assert not get_user_model().objects.filter(username__startswith="a").exists()


def test_it_invites_with_role_none(client, beheerder, customer_a):
    client.force_login(beheerder.user)

    client.post(URL, {**NEW, "role": "geen"})

    assert Membership.objects.get(contact__user__username="anna.de.vries@example.nl").role == Role.NONE


def test_a_medewerker_gets_403(client, medewerker):
    client.force_login(medewerker.user)

    response = client.post(URL, NEW)

    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="anna.de.vries@example.nl").exists()


def test_incidentenbeheer_gets_403(client, customer_a):
    contact = MembershipFactory(customer=customer_a, role=Role.INCIDENTENBEHEER).contact
    client.force_login(contact.user)

    assert client.post(URL, NEW).status_code == 403
    assert not get_user_model().objects.filter(username="anna.de.vries@example.nl").exists()


def test_a_beheerder_of_another_customer_invites_only_into_its_own(client, other_beheerder, customer_b):
    client.force_login(other_beheerder.user)

    client.post(URL, NEW)

    membership = Membership.objects.get(contact__user__username="anna.de.vries@example.nl")
    assert membership.customer == customer_b


def test_it_refuses_get(client, beheerder):
    client.force_login(beheerder.user)

    assert client.get(URL).status_code == 405


def test_it_refuses_a_post_without_csrf_token(beheerder):
    client = Client(enforce_csrf_checks=True)
    client.force_login(beheerder.user)

    response = client.post(URL, NEW)

    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="anna.de.vries@example.nl").exists()
