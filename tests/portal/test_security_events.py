"""What writes the security log: logins and failed logins, invitations, role changes and removals (in
the portal and the back office), API keys and environment tokens. Each with who, when and the IP."""

import pytest

from api.models import ApiScope
from api.services import (
    CredentialNotAllowed,
    create_api_key,
    create_environment_token,
    revoke_api_key,
    revoke_environment_token,
)
from portal import services
from portal.models import Role, SecurityEvent, SecurityEventKind
from tests.confirming import post_confirmed
from tests.factories import PASSWORD, CustomerFactory, EnvironmentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

IP = "198.51.100.7"


def _events(customer, kind=None):
    events = SecurityEvent.objects.filter(customer=customer)
    return list(events.filter(kind=kind) if kind else events)


def test_a_login_is_logged_for_every_customer_of_the_contact(client, beheerder, customer_a):
    other = CustomerFactory()
    MembershipFactory(contact=beheerder, customer=other)
    gone = CustomerFactory(is_active=False)
    MembershipFactory(contact=beheerder, customer=gone)

    client.post("/login/", {"login": "beheerder@example.nl", "password": PASSWORD}, REMOTE_ADDR=IP)

    for customer in (customer_a, other):
        [event] = _events(customer, SecurityEventKind.LOGIN)
        assert (event.actor, event.actor_name, event.subject, event.ip_address) == (
            beheerder.user,
            "beheerder@example.nl",
            "beheerder@example.nl",
            IP,
        )
    assert not _events(gone)


def test_a_wrong_password_is_logged_for_the_accounts_customers(client, beheerder, customer_a):
    client.post("/login/", {"login": " Beheerder@Example.NL", "password": "wrong"}, REMOTE_ADDR=IP)

    [event] = _events(customer_a)
    assert event.kind == SecurityEventKind.LOGIN_FAILED
    assert (event.actor, event.subject, event.ip_address) == (None, "beheerder@example.nl", IP)


def test_an_unknown_address_leaves_no_trace(client, beheerder):
    client.post("/login/", {"login": "niemand@example.nl", "password": "wrong"}, REMOTE_ADDR=IP)

    assert not SecurityEvent.objects.exists()


def test_an_invitation_is_logged_with_its_role(client, beheerder, customer_a):
    client.force_login(beheerder.user)

    client.post(
        "/contactpersonen/uitnodigen/",
        {"name": "Anna", "email": "anna@example.nl", "role": "beheerder"},
        REMOTE_ADDR=IP,
    )

    [event] = _events(customer_a, SecurityEventKind.CONTACT_ADDED)
    assert (event.actor, event.subject, event.details, event.ip_address) == (
        beheerder.user,
        "anna@example.nl",
        {"role": "beheerder"},
        IP,
    )


def test_a_role_change_is_logged_with_old_and_new_role(client, beheerder, medewerker, customer_a):
    client.force_login(beheerder.user)

    post_confirmed(
        client,
        f"/contactpersonen/{medewerker.memberships.get().pk}/rol/",
        {"role": "beheerder"},
        REMOTE_ADDR=IP,
    )

    [event] = _events(customer_a, SecurityEventKind.ROLE_CHANGED)
    assert event.details == {"old": "medewerker", "new": "beheerder"}
    assert (event.actor_name, event.subject, event.ip_address) == (
        "beheerder@example.nl",
        "medewerker@example.nl",
        IP,
    )


def test_a_refused_or_idle_role_change_logs_nothing(beheerder, medewerker, customer_a):
    with pytest.raises(services.ContactError):
        services.change_role(membership=beheerder.memberships.get(), role=Role.MEDEWERKER, by=beheerder)
    services.change_role(membership=medewerker.memberships.get(), role=Role.MEDEWERKER, by=beheerder)

    assert not _events(customer_a, SecurityEventKind.ROLE_CHANGED)


def test_a_removal_is_logged(client, beheerder, medewerker, customer_a):
    client.force_login(beheerder.user)

    post_confirmed(
        client, f"/contactpersonen/{medewerker.memberships.get().pk}/verwijderen/", {}, REMOTE_ADDR=IP
    )

    [event] = _events(customer_a, SecurityEventKind.CONTACT_REMOVED)
    assert (event.subject, event.details, event.ip_address) == (
        "medewerker@example.nl",
        {"role": "medewerker"},
        IP,
    )


def test_a_role_changed_in_the_back_office_names_the_staff_user(
    admin_client, admin_user, medewerker, customer_a
):
    membership = medewerker.memberships.get()

    admin_client.post(
        f"/admin/portal/membership/{membership.pk}/change/", {"role": "beheerder"}, REMOTE_ADDR=IP
    )

    [event] = _events(customer_a, SecurityEventKind.ROLE_CHANGED)
    assert (event.actor, event.ip_address) == (admin_user, IP)


def test_api_keys_made_and_revoked_are_logged(beheerder, customer_a):
    api_key, _secret = create_api_key(
        customer=customer_a,
        name="Power BI",
        scopes=[ApiScope.LICENTIEDATA_READ],
        expires=None,
        by=beheerder.user,
        ip=IP,
    )
    revoke_api_key(api_key=api_key, by="manage.py revoke")

    created, revoked = sorted(_events(customer_a), key=lambda event: event.pk)
    assert (created.kind, created.subject, created.actor, created.ip_address) == (
        SecurityEventKind.API_KEY_CREATED,
        "Power BI",
        beheerder.user,
        IP,
    )
    assert created.details == {"prefix": api_key.prefix, "scopes": ["licentiedata:read"]}
    assert (revoked.kind, revoked.actor, revoked.actor_name, revoked.ip_address) == (
        SecurityEventKind.API_KEY_REVOKED,
        None,
        "manage.py revoke",
        None,
    )


def test_a_refused_key_logs_nothing(medewerker, customer_a):
    with pytest.raises(CredentialNotAllowed):
        create_api_key(
            customer=customer_a, name="x", scopes=["licentiedata:read"], expires=None, by=medewerker.user
        )

    assert not _events(customer_a)


def test_environment_tokens_made_and_revoked_are_logged(beheerder, customer_a):
    environment = EnvironmentFactory(customer=customer_a)
    token, _secret = create_environment_token(environment=environment, by=beheerder.user, ip=IP)
    revoke_environment_token(token=token, by=beheerder.user, ip=IP)

    kinds = [(event.kind, event.subject) for event in sorted(_events(customer_a), key=lambda e: e.pk)]
    assert kinds == [
        (SecurityEventKind.TOKEN_CREATED, environment.code),
        (SecurityEventKind.TOKEN_REVOKED, environment.code),
    ]


def test_the_api_keys_page_logs_the_ip_address(client, beheerder, customer_a):
    client.force_login(beheerder.user)

    client.post("/api-sleutels/nieuw/", {"name": "Power BI", "scopes": ["licentiedata:read"]}, REMOTE_ADDR=IP)

    [event] = _events(customer_a, SecurityEventKind.API_KEY_CREATED)
    assert event.ip_address == IP


def test_an_account_deleted_later_keeps_its_name_in_the_log(beheerder, medewerker, customer_a):
    staff = UserFactory(is_staff=True, email="staf@example.nl")
    services.change_role(membership=medewerker.memberships.get(), role=Role.BEHEERDER, by=staff)

    staff.delete()

    [event] = _events(customer_a, SecurityEventKind.ROLE_CHANGED)
    assert (event.actor, event.actor_name) == (None, "staf@example.nl")


@pytest.mark.parametrize(
    ("signal_name", "kind"),
    [
        ("authenticator_added", SecurityEventKind.MFA_ADDED),
        ("authenticator_reset", SecurityEventKind.MFA_ADDED),
        ("authenticator_removed", SecurityEventKind.MFA_REMOVED),
    ],
)
def test_second_factors_set_up_and_removed_are_logged(rf, beheerder, customer_a, signal_name, kind):
    from allauth.mfa import signals
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.create(user=beheerder.user, type=Authenticator.Type.TOTP, data={})
    request = rf.post("/", REMOTE_ADDR=IP)

    getattr(signals, signal_name).send(
        sender=Authenticator, request=request, user=beheerder.user, authenticator=authenticator
    )

    [event] = _events(customer_a, kind)
    assert (event.actor, event.details, event.ip_address) == (beheerder.user, {"type": "totp"}, IP)


def test_a_policy_change_is_logged_and_a_repeat_is_not(client, beheerder, customer_a):
    client.force_login(beheerder.user)
    url = "/beveiliging/tweestapsverificatie-verplicht/"

    client.post(url, {"required": "1", "confirm": "on"}, REMOTE_ADDR=IP)
    services.set_mfa_required(customer=customer_a, required=True, by=beheerder)

    [event] = _events(customer_a, SecurityEventKind.POLICY_CHANGED)
    assert (event.actor, event.details, event.ip_address) == (
        beheerder.user,
        {"policy": "mfa_required", "value": True},
        IP,
    )
