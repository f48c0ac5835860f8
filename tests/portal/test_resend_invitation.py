"""Pending invitations on Contactpersonen and sending one again: a Beheerder sees who has not yet
accepted, resends with a fresh link (counted by the per-customer invitation limit), and is refused
once the contact has a password of its own."""

import re

import pytest
from django.core import mail

from portal.models import Membership, Role
from portal.services import INVITATION_ACCEPTED, TOO_MANY_INVITATIONS, invite_contact

pytestmark = pytest.mark.django_db

CONTACTS = "/contactpersonen/"
PENDING = "Uitnodiging nog niet aanvaard"
RESEND = "Uitnodiging opnieuw versturen"


def _resend_url(membership: Membership) -> str:
    return f"/contactpersonen/{membership.pk}/uitnodiging/"


@pytest.fixture
def invited(customer_a, beheerder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite_contact(
            customer=customer_a,
            name="Anna de Vries",
            email="anna@example.nl",
            role=Role.MEDEWERKER,
            by=beheerder,
        )
    mail.outbox.clear()
    return invitation.membership


def _row(html: str, membership: Membership) -> str:
    return re.search(rf'<tr id="contact-{membership.pk}">.*?</tr>', html, re.S).group(0)


def test_the_contacts_page_marks_only_the_pending_invitation(client, beheerder, medewerker, invited):
    client.force_login(beheerder.user)

    html = client.get(CONTACTS).content.decode()

    assert PENDING in _row(html, invited) and RESEND in _row(html, invited)
    own = Membership.objects.get(contact=beheerder)
    # Contacts with a password of their own (the factories give one) are not pending.
    assert PENDING not in _row(html, own) and RESEND not in _row(html, own)
    assert PENDING not in _row(html, Membership.objects.get(contact=medewerker))


def test_a_medewerker_sees_the_pending_state_but_no_resend_button(client, medewerker, invited):
    client.force_login(medewerker.user)

    row = _row(client.get(CONTACTS).content.decode(), invited)

    assert PENDING in row and RESEND not in row


def test_a_beheerder_resends_with_a_link_that_sets_the_password(
    client, beheerder, invited, django_capture_on_commit_callbacks
):
    client.force_login(beheerder.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_resend_url(invited))

    assert response.status_code == 302
    assert response.url == f"{CONTACTS}#contact-{invited.pk}"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.nl"]
    link = re.search(r"https?://[^/\s]+(/wachtwoord-instellen/\S+/)", mail.outbox[0].body).group(1)
    assert client.get(link).status_code in (200, 302)
    page = client.get(CONTACTS).content.decode()
    assert "De uitnodiging is opnieuw verstuurd naar anna@example.nl." in page


def test_an_accepted_invitation_is_not_sent_again(
    client, beheerder, invited, django_capture_on_commit_callbacks
):
    user = invited.contact.user
    user.set_password("een-eigen-wachtwoord-42")
    user.save()
    client.force_login(beheerder.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_resend_url(invited), follow=True)

    assert mail.outbox == []
    assert str(INVITATION_ACCEPTED % {"name": "Anna de Vries"}) in response.content.decode()


def test_a_resend_counts_against_the_customers_invitation_limit(
    client, settings, beheerder, invited, django_capture_on_commit_callbacks
):
    settings.INVITATION_RATE_LIMIT = 2  # the invitation itself was the first
    client.force_login(beheerder.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(_resend_url(invited))
        refused = client.post(_resend_url(invited), follow=True)

    assert len(mail.outbox) == 1
    assert str(TOO_MANY_INVITATIONS % {"minutes": 60}) in refused.content.decode()


def test_a_medewerker_may_not_resend(client, medewerker, invited):
    client.force_login(medewerker.user)

    assert client.post(_resend_url(invited)).status_code == 403
    assert mail.outbox == []


def test_another_customers_contact_is_not_found(client, other_beheerder, invited):
    client.force_login(other_beheerder.user)

    assert client.post(_resend_url(invited)).status_code == 404


def test_it_takes_only_post(client, beheerder, invited):
    client.force_login(beheerder.user)

    assert client.get(_resend_url(invited)).status_code == 405


def test_a_pending_invitation_becomes_accepted_once_the_password_is_set(invited):
    assert invited.invitation_pending

    user = invited.contact.user
    user.set_password("een-eigen-wachtwoord-42")
    user.save()

    assert not Membership.objects.get(pk=invited.pk).invitation_pending
