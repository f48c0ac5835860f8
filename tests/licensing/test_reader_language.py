"""What the nightly job and the analysis write reaches each reader in the reader's own language: the
language a contact chose in the menu is remembered for the e-mails written outside any request."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from licensing.monitoring.models import LicenseWarning, OutboxEmail, WarningKind
from licensing.monitoring.nightly import refresh_customers
from portal.models import Contact
from tests.factories import (
    ContactFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseLineFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def over_use(customer_a):
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=0)
    environment = EnvironmentFactory(customer=customer_a, type="O", data_taken_at=timezone.now())
    EnvironmentUserFactory.create_batch(3, environment=environment, profit=True)
    return line


def choose(client, contact, language):
    client.force_login(contact.user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    contact.refresh_from_db()


def test_the_language_chosen_in_the_menu_is_remembered_for_the_contact(client, beheerder):
    assert beheerder.language == ""
    choose(client, beheerder, "en")
    assert beheerder.language == "en"
    choose(client, beheerder, "nl")
    assert beheerder.language == "nl"


def test_choosing_a_language_logged_out_changes_no_contact(client, beheerder):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert Contact.objects.get(pk=beheerder.pk).language == ""


def test_a_warning_reads_in_the_language_of_the_page(client, beheerder, over_use):
    refresh_customers(customer_ids=[over_use.license.customer_id])
    warning = LicenseWarning.objects.get(kind=WarningKind.OVER_USE, line=over_use)
    assert warning.params == {"item": "profit_users", "scope": "O", "in_use": 3, "maximum": 0}
    client.force_login(beheerder.user)

    dutch = client.get(reverse("licensing:warnings")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("licensing:warnings")).content.decode()

    assert "3 in gebruik, terwijl u recht heeft op 0" in dutch
    assert "in use, while you are entitled to 0" in english and "terwijl u recht heeft" not in english


def test_each_beheerder_gets_the_nightly_email_in_its_own_language(beheerder, customer_a, over_use):
    english = ContactFactory(name="E. English", language="en")
    MembershipFactory(contact=english, customer=customer_a, role="beheerder")

    refresh_customers(customer_ids=[customer_a.id])

    dutch_mail = OutboxEmail.objects.get(to=beheerder.email)
    english_mail = OutboxEmail.objects.get(to=english.email)
    assert (
        "Beste beheerder" in dutch_mail.body and "in gebruik, terwijl u recht heeft op 0" in dutch_mail.body
    )
    assert (
        "in gebruik" not in english_mail.body and "in use, while you are entitled to 0" in english_mail.body
    )


def test_the_analysis_form_is_filled_in_with_the_own_address_and_not_typed(client, medewerker):
    cache.clear()
    client.force_login(medewerker.user)

    response = client.get(reverse("licensing:analysis"))

    field = response.context["form"]["email"]
    assert field.value() == medewerker.email
    assert "readonly" in str(field)


def test_the_analysis_email_names_the_portal_and_is_in_the_contacts_language(
    client, medewerker, django_capture_on_commit_callbacks
):
    cache.clear()
    Contact.objects.filter(pk=medewerker.pk).update(language="en")
    client.force_login(medewerker.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("licensing:analysis"), {"email": medewerker.email})

    [message] = mail.outbox
    assert "License portal" in message.body and "Klantportal" not in message.body
    assert "How to read the file" in message.body
