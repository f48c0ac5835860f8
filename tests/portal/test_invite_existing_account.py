"""Inviting an address that already has an account: a membership at most, never a change to the account.

`is_active`, `is_staff` and `is_superuser` are the vendor's decision; an invitation neither
re-activates an account the vendor switched off nor attaches a vendor account to a customer.
"""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.test import Client

from portal import services
from portal.forms import NO_CUSTOMER
from portal.models import Contact, Membership, Role
from portal.services import DEACTIVATED_ACCOUNT, VENDOR_ACCOUNT, ContactError
from portal.views import INVITED_EXISTING, INVITED_NEW
from tests.confirming import post_confirmed
from tests.factories import PASSWORD, ContactFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/contactpersonen/uitnodigen/"


def _invite(client, email, capture, *, name="Iemand", role="medewerker"):
    with capture(execute=True):
        return client.post(URL, {"name": name, "email": email, "role": role})


def _flags(user) -> tuple[bool, bool, bool, str]:
    user.refresh_from_db()
    return user.is_active, user.is_staff, user.is_superuser, user.password


def _admin_login(email: str) -> Client:
    client = Client()
    # The back office logs in through the portal's login (allauth's secure_admin_login).
    client.post("/login/?next=/admin/", {"login": email, "password": PASSWORD, "next": "/admin/"})
    return client


def test_it_refuses_an_account_the_vendor_switched_off_and_leaves_it_off(
    client, beheerder, customer_a, django_capture_on_commit_callbacks
):
    user = ContactFactory(user__email="weg@example.nl", user__is_active=False).user
    before = _flags(user)
    client.force_login(beheerder.user)

    response = _invite(client, "Weg@Example.nl", django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert str(DEACTIVATED_ACCOUNT % {"email": "weg@example.nl"}) in response.content.decode()
    assert _flags(user) == before
    assert not Membership.objects.filter(contact__user=user).exists()
    assert mail.outbox == []
    assert not Client().login(username="weg@example.nl", password=PASSWORD)


def test_a_deactivated_vendor_superuser_stays_locked_out_of_the_admin(
    client, beheerder, django_capture_on_commit_callbacks
):
    superuser = get_user_model().objects.create_superuser("baas@leverancier.example", "", PASSWORD)
    superuser.is_active = False
    superuser.save()
    before = _flags(superuser)
    client.force_login(beheerder.user)

    response = _invite(
        client, "baas@leverancier.example", django_capture_on_commit_callbacks, role="beheerder"
    )

    assert response.status_code == 400
    assert str(VENDOR_ACCOUNT % {"email": "baas@leverancier.example"}) in response.content.decode()
    assert _flags(superuser) == before
    assert not Contact.objects.filter(user=superuser).exists()
    assert mail.outbox == []
    admin = _admin_login("baas@leverancier.example")
    assert SESSION_KEY not in admin.session
    assert admin.get("/admin/").status_code == 302


def test_it_never_attaches_an_active_vendor_staff_account_to_a_customer(
    client, beheerder, django_capture_on_commit_callbacks
):
    staff = UserFactory(email="support@leverancier.example", is_staff=True)
    before = _flags(staff)
    client.force_login(beheerder.user)

    response = _invite(client, "support@leverancier.example", django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert str(VENDOR_ACCOUNT % {"email": "support@leverancier.example"}) in response.content.decode()
    assert _flags(staff) == before
    assert not Contact.objects.filter(user=staff).exists()
    assert mail.outbox == []


def test_it_refuses_the_address_of_a_vendor_account_with_another_username(
    client, beheerder, django_capture_on_commit_callbacks
):
    UserFactory(username="jan", email="Jan@Leverancier.example", is_superuser=True, is_staff=True)
    client.force_login(beheerder.user)
    users_before = get_user_model().objects.count()

    response = _invite(client, "jan@leverancier.example", django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert str(VENDOR_ACCOUNT % {"email": "jan@leverancier.example"}) in response.content.decode()
    assert get_user_model().objects.count() == users_before


def test_an_existing_contact_keeps_its_password_and_gets_a_membership(
    client, beheerder, other_beheerder, customer_a, django_capture_on_commit_callbacks
):
    before = _flags(other_beheerder.user)
    client.force_login(beheerder.user)

    response = _invite(client, " BEHEERDER67890@example.nl ", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert _flags(other_beheerder.user) == before
    assert other_beheerder.memberships.get(customer=customer_a).role == Role.MEDEWERKER
    page = client.get("/contactpersonen/").content.decode()
    assert str(INVITED_EXISTING % {"email": "beheerder67890@example.nl"}) in page
    body = mail.outbox[0].body
    assert "bestaande e-mailadres en wachtwoord" in body
    assert "wachtwoord-instellen" not in body
    assert Client().login(username="beheerder67890@example.nl", password=PASSWORD)


def test_an_existing_user_without_a_contact_becomes_one_and_keeps_its_password(
    client, beheerder, customer_a, django_capture_on_commit_callbacks
):
    user = UserFactory(email="los@example.nl")
    before = _flags(user)
    client.force_login(beheerder.user)

    response = _invite(client, "los@example.nl", django_capture_on_commit_callbacks, name="Los Zand")

    assert response.status_code == 302
    assert _flags(user) == before
    assert user.contact.name == "Los Zand"
    assert user.contact.memberships.get().customer == customer_a
    assert "wachtwoord-instellen" not in mail.outbox[0].body


def test_an_account_made_in_the_back_office_without_an_address_gets_the_invitation(
    client, beheerder, django_capture_on_commit_callbacks
):
    user = UserFactory(username="kaal@example.nl", email="")
    client.force_login(beheerder.user)

    _invite(client, "kaal@example.nl", django_capture_on_commit_callbacks)

    user.refresh_from_db()
    assert user.email == "kaal@example.nl"
    assert mail.outbox[0].to == ["kaal@example.nl"]
    assert Client().login(username="kaal@example.nl", password=PASSWORD)


def test_an_existing_account_that_never_set_a_password_gets_the_link_to_set_one(
    client, beheerder, customer_b, django_capture_on_commit_callbacks
):
    invited_elsewhere = MembershipFactory(customer=customer_b, contact__user__email="nieuw@example.nl")
    user = invited_elsewhere.contact.user
    user.set_unusable_password()
    user.save()
    client.force_login(beheerder.user)

    _invite(client, "nieuw@example.nl", django_capture_on_commit_callbacks)

    # Nothing to overwrite: without the link this person could never log in.
    assert "wachtwoord-instellen" in mail.outbox[0].body
    assert user.contact.memberships.count() == 2


def test_a_new_address_is_told_it_got_a_link(client, beheerder, django_capture_on_commit_callbacks):
    client.force_login(beheerder.user)

    _invite(client, "vers@example.nl", django_capture_on_commit_callbacks)

    page = client.get("/contactpersonen/").content.decode()
    assert str(INVITED_NEW % {"email": "vers@example.nl"}) in page


def test_a_colleague_removed_earlier_can_be_invited_again(
    client, beheerder, medewerker, customer_a, django_capture_on_commit_callbacks
):
    client.force_login(beheerder.user)
    post_confirmed(client, f"/contactpersonen/{medewerker.memberships.get().pk}/verwijderen/", {})

    # Removed: the account is untouched, but the login says there is nothing to log in to.
    colleague = Client()
    response = colleague.post("/login/", {"login": "medewerker@example.nl", "password": PASSWORD})
    assert response.status_code == 200
    assert str(NO_CUSTOMER) in response.content.decode()
    assert SESSION_KEY not in colleague.session

    response = _invite(client, "medewerker@example.nl", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert medewerker.memberships.get().customer == customer_a
    response = colleague.post("/login/", {"login": "medewerker@example.nl", "password": PASSWORD})
    assert response.status_code == 302
    assert int(colleague.session[SESSION_KEY]) == medewerker.user.pk


def test_a_contact_of_an_inactive_customer_only_is_told_why_it_cannot_log_in(client, customer_b, medewerker):
    MembershipFactory(contact=medewerker, customer=customer_b)
    medewerker.memberships.filter(customer__number="12345").delete()
    customer_b.is_active = False
    customer_b.save()

    response = client.post("/login/", {"login": "medewerker@example.nl", "password": PASSWORD})

    assert str(NO_CUSTOMER) in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_service_refuses_without_changing_the_account(beheerder, customer_a):
    staff = UserFactory(email="staf@leverancier.example", is_staff=True, is_active=False)
    switched_off = UserFactory(email="uit@example.nl", is_active=False)
    flags = [_flags(staff), _flags(switched_off)]

    for user, refusal in ((staff, VENDOR_ACCOUNT), (switched_off, DEACTIVATED_ACCOUNT)):
        with pytest.raises(ContactError) as refused:
            services.invite_contact(customer=customer_a, name="X", email=user.email, role="", by=beheerder)
        assert refused.value.message == refusal % {"email": user.email}

    assert [_flags(staff), _flags(switched_off)] == flags
    assert not Contact.objects.filter(user__in=[staff, switched_off]).exists()
