"""The back office keeps a customer's last Beheerder, like the portal: every admin path goes through
portal.services, and a refusal changes nothing (not even the admin's own log)."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.models import Contact, Membership, Role
from portal.services import LAST_BEHEERDER, VENDOR_ACCOUNT
from tests.admin_forms import admin_form
from tests.factories import ContactFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_beheerder(beheerder, customer_a) -> Membership:
    return beheerder.memberships.get(customer=customer_a)


def _refused(client, response) -> None:
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert str(LAST_BEHEERDER) in page


def _unchanged(membership: Membership) -> None:
    assert Membership.objects.get(pk=membership.pk).role == Role.BEHEERDER
    assert not LogEntry.objects.exists()


def _inline_rows(data, prefix: str) -> dict[str, str]:
    """{membership id: form prefix} of an inline's existing rows."""
    total = int(data[f"{prefix}-INITIAL_FORMS"][0])
    return {data[f"{prefix}-{i}-id"][0]: f"{prefix}-{i}" for i in range(total)}


def test_deleting_the_last_beheerders_membership_is_refused(admin_client, only_beheerder):
    url = reverse("admin:portal_membership_delete", args=[only_beheerder.pk])

    response = admin_client.post(url, {"post": "yes"})

    _refused(admin_client, response)
    _unchanged(only_beheerder)


def test_deleting_a_beheerder_who_is_not_the_last_goes_through(admin_client, only_beheerder, medewerker):
    medewerker.memberships.update(role=Role.BEHEERDER)
    url = reverse("admin:portal_membership_delete", args=[only_beheerder.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=only_beheerder.pk).exists()
    assert LogEntry.objects.count() == 1


def test_delete_selected_is_all_or_nothing(admin_client, only_beheerder, medewerker):
    selected = [only_beheerder.pk, medewerker.memberships.get().pk]

    response = admin_client.post(
        reverse("admin:portal_membership_changelist"),
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )

    _refused(admin_client, response)
    _unchanged(only_beheerder)
    assert Membership.objects.filter(pk__in=selected).count() == 2


def test_delete_selected_keeps_the_last_of_two_beheerders(admin_client, only_beheerder, customer_a):
    second = MembershipFactory(customer=customer_a, role=Role.BEHEERDER)

    response = admin_client.post(
        reverse("admin:portal_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [only_beheerder.pk, second.pk], "post": "yes"},
    )

    _refused(admin_client, response)
    assert Membership.objects.filter(pk__in=[only_beheerder.pk, second.pk]).count() == 2


def test_delete_selected_removes_what_may_go(admin_client, only_beheerder, customer_a, medewerker):
    second = MembershipFactory(customer=customer_a, role=Role.BEHEERDER)

    response = admin_client.post(
        reverse("admin:portal_membership_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [second.pk, medewerker.memberships.get().pk],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert list(Membership.objects.filter(customer=customer_a)) == [only_beheerder]


def test_demoting_the_last_beheerder_in_the_change_form_is_refused(admin_client, only_beheerder):
    url = reverse("admin:portal_membership_change", args=[only_beheerder.pk])

    response = admin_client.post(url, admin_form(admin_client, url, "membership_form", role=Role.MEDEWERKER))

    _refused(admin_client, response)
    _unchanged(only_beheerder)


def test_the_change_form_changes_a_role_through_the_service(admin_client, only_beheerder, medewerker):
    membership = medewerker.memberships.get()
    url = reverse("admin:portal_membership_change", args=[membership.pk])

    response = admin_client.post(url, admin_form(admin_client, url, "membership_form", role=Role.BEHEERDER))

    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == Role.BEHEERDER


def test_the_change_form_does_not_move_a_membership_to_another_customer(
    admin_client, only_beheerder, customer_b
):
    url = reverse("admin:portal_membership_change", args=[only_beheerder.pk])

    data = admin_form(admin_client, url, "membership_form", customer=str(customer_b.pk))
    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert Membership.objects.get(pk=only_beheerder.pk).customer_id == only_beheerder.customer_id


def test_adding_a_vendor_account_as_contact_is_refused(admin_client, customer_a):
    staff_contact = ContactFactory(user__is_staff=True)
    url = reverse("admin:portal_membership_add")

    response = admin_client.post(
        url, {"contact": staff_contact.pk, "customer": customer_a.pk, "role": Role.BEHEERDER}
    )

    assert response.status_code == 302
    page = admin_client.get(response.url).content.decode()
    # The admin capitalises its messages ("Contact1@...").
    assert str(VENDOR_ACCOUNT % {"email": staff_contact.user.email}).lower() in page.lower()
    assert not Membership.objects.filter(contact=staff_contact).exists()


def test_adding_a_membership_goes_through_the_service(admin_client, customer_b, medewerker):
    url = reverse("admin:portal_membership_add")

    response = admin_client.post(url, {"contact": medewerker.pk, "customer": customer_b.pk, "role": ""})

    assert response.status_code == 302
    added = Membership.objects.get(contact=medewerker, customer=customer_b)
    assert added.role == Role.NONE
    assert LogEntry.objects.get().object_id == str(added.pk)


def test_deleting_the_last_beheerder_inline_on_the_customer_is_refused(
    admin_client, only_beheerder, customer_a, medewerker
):
    url = reverse("admin:portal_customer_change", args=[customer_a.pk])
    data = admin_form(admin_client, url, "customer_form")
    row = _inline_rows(data, "memberships")[str(only_beheerder.pk)]
    data[f"{row}-DELETE"] = "on"

    response = admin_client.post(url, data)

    _refused(admin_client, response)
    _unchanged(only_beheerder)


def test_demoting_the_last_beheerder_inline_on_the_contact_is_refused(
    admin_client, only_beheerder, beheerder
):
    url = reverse("admin:portal_contact_change", args=[beheerder.pk])
    data = admin_form(admin_client, url, "contact_form", name="Nieuwe naam")
    data[f"{_inline_rows(data, 'memberships')[str(only_beheerder.pk)]}-role"] = Role.MEDEWERKER

    response = admin_client.post(url, data)

    _refused(admin_client, response)
    _unchanged(only_beheerder)
    assert Contact.objects.get(pk=beheerder.pk).name != "Nieuwe naam"


def test_one_inline_form_may_appoint_a_new_beheerder_and_remove_the_old(
    admin_client, only_beheerder, customer_a, medewerker
):
    successor = medewerker.memberships.get()
    url = reverse("admin:portal_customer_change", args=[customer_a.pk])
    data = admin_form(admin_client, url, "customer_form")
    rows = _inline_rows(data, "memberships")
    data[f"{rows[str(only_beheerder.pk)]}-DELETE"] = "on"
    data[f"{rows[str(successor.pk)]}-role"] = Role.BEHEERDER

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert list(Membership.objects.filter(customer=customer_a).values_list("pk", "role")) == [
        (successor.pk, Role.BEHEERDER)
    ]


def test_deleting_the_contact_of_the_last_beheerder_is_refused(admin_client, only_beheerder, beheerder):
    url = reverse("admin:portal_contact_delete", args=[beheerder.pk])

    response = admin_client.post(url, {"post": "yes"})

    _refused(admin_client, response)
    _unchanged(only_beheerder)
    assert Contact.objects.filter(pk=beheerder.pk).exists()


def test_delete_selected_contacts_keeps_the_last_beheerder(
    admin_client, only_beheerder, beheerder, medewerker
):
    response = admin_client.post(
        reverse("admin:portal_contact_changelist"),
        {"action": "delete_selected", "_selected_action": [beheerder.pk, medewerker.pk], "post": "yes"},
    )

    _refused(admin_client, response)
    assert Contact.objects.filter(pk__in=[beheerder.pk, medewerker.pk]).count() == 2


def test_deleting_the_user_of_the_last_beheerder_is_refused(admin_client, only_beheerder, beheerder):
    url = reverse("admin:auth_user_delete", args=[beheerder.user.pk])

    response = admin_client.post(url, {"post": "yes"})

    _refused(admin_client, response)
    _unchanged(only_beheerder)
    assert get_user_model().objects.filter(pk=beheerder.user.pk).exists()


def test_delete_selected_users_keeps_the_last_beheerder(admin_client, only_beheerder, beheerder, medewerker):
    users = [beheerder.user.pk, medewerker.user.pk]

    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": users, "post": "yes"},
    )

    _refused(admin_client, response)
    assert get_user_model().objects.filter(pk__in=users).count() == 2


def test_deleting_the_user_of_an_ordinary_contact_deletes_contact_and_memberships(
    admin_client, only_beheerder, medewerker
):
    url = reverse("admin:auth_user_delete", args=[medewerker.user.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=medewerker.user.pk).exists()
    assert not Contact.objects.filter(pk=medewerker.pk).exists()
    assert list(Membership.objects.all()) == [only_beheerder]


def test_the_account_pages_of_the_back_office_still_work(admin_client, beheerder):
    for url in (
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[beheerder.user.pk]),
        reverse("admin:portal_customer_change", args=[beheerder.memberships.get().customer_id]),
        reverse("admin:portal_contact_change", args=[beheerder.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url

    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "nieuw@leverancier.example",
            "password1": "lang-genoeg-42!",
            "password2": "lang-genoeg-42!",
        },
    )

    assert response.status_code == 302
    assert get_user_model().objects.filter(username="nieuw@leverancier.example").exists()
