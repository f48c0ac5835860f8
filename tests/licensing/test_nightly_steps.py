"""The steps of the nightly job per customer: usage history, deviations, warnings, signals, e-mail."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from licensing.models import LicenseLine, LicenseMutation, MutationSource
from licensing.monitoring import nightly, outbox, services
from licensing.monitoring.models import (
    CustomerRefresh,
    DeviationCause,
    LicenseWarning,
    OutboxEmail,
    Signal,
    UsageSnapshot,
    WarningKind,
)
from licensing.services import line_set_maximum
from portal.models import Role
from tests.factories import (
    CustomerFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseFactory,
    LicenseLineFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 11, 28, 0, 30))


def fresh_environment(customer, env_type="O", **kwargs):
    return EnvironmentFactory(customer=customer, type=env_type, data_taken_at=timezone.now(), **kwargs)


def profit_users(environment, count):
    for n in range(count):
        EnvironmentUserFactory(environment=environment, code=f"{environment.code.lower()}.user{n}")


def line_of(customer, item="profit_users", scope="O"):
    return LicenseLine.objects.get(license__customer=customer, item=item, scope=scope)


def run(*customers):
    return nightly.refresh_customers(customer_ids=[c.id for c in customers])


@pytest.fixture
def setup(customer_a, beheerder):
    """Customer A with 12 Profit users in production on a line of 20."""
    profit_users(fresh_environment(customer_a), 12)
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=20)
    LicenseLineFactory(license=customer_a.license, item="environments", scope="license", maximum=5)
    return customer_a


def test_it_stores_a_usage_snapshot_per_line_and_day_and_a_rerun_replaces_it(setup):
    with time_machine.travel(NOW, tick=False):
        run(setup)
        profit_users(fresh_environment(setup), 3)
        run(setup)

    snapshots = UsageSnapshot.objects.filter(line=line_of(setup))
    assert [(s.date.isoformat(), s.in_use, s.maximum) for s in snapshots] == [("2026-11-28", 15, 20)]
    assert UsageSnapshot.objects.filter(line__license__customer=setup).count() == 2


def test_the_next_day_adds_a_snapshot(setup):
    with time_machine.travel(NOW, tick=False):
        run(setup)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        run(setup)

    assert UsageSnapshot.objects.filter(line=line_of(setup)).count() == 2


def test_it_records_a_back_office_deviation_with_both_numbers_and_corrects_the_portal(setup):
    run(setup)
    line_set_maximum(customer=setup, item="profit_users", scope="O", quantity=30, by="billing")

    result = run(setup)

    line = line_of(setup)
    assert (line.maximum, line.portal) == (30, 30)
    deviation = LicenseWarning.objects.get(kind=WarningKind.DEVIATION)
    assert (deviation.maximum, deviation.portal, deviation.in_use) == (30, 20, 12)
    assert deviation.cause == DeviationCause.BACKOFFICE
    assert deviation.line == line
    assert deviation.resolved_at is not None
    assert "toonde 20" in deviation.text and "recht op 30" in deviation.text
    assert result.deviations == 1


def test_it_names_an_approved_license_request_as_the_likely_cause(setup):
    run(setup)
    line = line_of(setup)
    LicenseMutation.objects.create(
        line=line,
        customer=setup,
        by="vendor",
        old_maximum=20,
        old_portal=20,
        new_quantity=25,
        source=MutationSource.REQUEST,
    )
    LicenseLine.objects.filter(pk=line.pk).update(maximum=25)

    run(setup)

    assert LicenseWarning.objects.get(kind=WarningKind.DEVIATION).cause == DeviationCause.REQUEST


def test_it_names_a_failed_previous_run_as_the_likely_cause(setup):
    run(setup)
    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=22)
    CustomerRefresh.objects.filter(customer=setup).update(failed_at=timezone.now())

    run(setup)

    assert LicenseWarning.objects.get(kind=WarningKind.DEVIATION).cause == DeviationCause.FAILED_RUN


def test_a_change_before_the_last_run_is_not_taken_as_the_cause(setup):
    line_set_maximum(customer=setup, item="profit_users", scope="O", quantity=30, by="billing")
    run(setup)
    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=31)

    run(setup)

    assert LicenseWarning.objects.filter(kind=WarningKind.DEVIATION).order_by("id").last().cause == ""


def test_over_use_opens_once_and_resolves_when_back_under_the_maximum(setup):
    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=10, portal=10)

    run(setup)
    run(setup)

    warning = LicenseWarning.objects.get(kind=WarningKind.OVER_USE)
    assert warning.is_open and (warning.in_use, warning.maximum) == (12, 10)

    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=12, portal=12)
    run(setup)

    warning.refresh_from_db()
    assert not warning.is_open
    assert LicenseWarning.objects.filter(kind=WarningKind.OVER_USE).count() == 1


def test_an_item_in_use_without_a_line_is_over_use(setup):
    env = setup.environments.get()
    EnvironmentUserFactory(environment=env, code="insite.only", profit=False, insite=True)

    run(setup)

    warning = LicenseWarning.objects.get(kind=WarningKind.OVER_USE, line__item="insite_users")
    assert (warning.in_use, warning.maximum) == (1, 0)


@pytest.mark.parametrize(("hours", "stale"), [(35, False), (37, True)])
def test_data_is_stale_after_36_hours(customer_a, hours, stale):
    with time_machine.travel(NOW, tick=False):
        env = EnvironmentFactory(customer=customer_a, type="O", data_taken_at=timezone.now())
    with time_machine.travel(NOW + timedelta(hours=hours), tick=False):
        run(customer_a)

    warnings = LicenseWarning.objects.filter(
        kind=WarningKind.STALE_DATA, environment=env, resolved_at__isnull=True
    )
    assert warnings.exists() is stale
    if stale:
        assert env.code in warnings.get().text
        assert "draait niet" in warnings.get().text


def test_an_environment_that_never_sent_data_is_stale_until_it_does(customer_a):
    env = EnvironmentFactory(customer=customer_a, type="T", data_taken_at=None)
    run(customer_a)
    warning = LicenseWarning.objects.get(kind=WarningKind.STALE_DATA)
    assert "nog nooit" in warning.text

    env.data_taken_at = timezone.now()
    env.save()
    run(customer_a)

    warning.refresh_from_db()
    assert warning.resolved_at is not None


def test_a_decommissioned_environment_is_not_stale(customer_a):
    EnvironmentFactory(customer=customer_a, type="T", data_taken_at=None)
    run(customer_a)
    customer_a.environments.update(is_active=False)

    run(customer_a)

    assert not LicenseWarning.objects.filter(kind=WarningKind.STALE_DATA, resolved_at__isnull=True).exists()


def test_the_builtin_signal_fires_once_below_five_available_and_rearms(setup):
    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=16, portal=16)

    run(setup)
    run(setup)

    fired = LicenseWarning.objects.filter(kind=WarningKind.SIGNAL)
    assert fired.count() == 1
    assert fired.get().signal == services.ensure_builtin_signal()
    assert "nog 4 beschikbaar" in fired.get().text

    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=17, portal=17)
    run(setup)
    assert not LicenseWarning.objects.filter(kind=WarningKind.SIGNAL, resolved_at__isnull=True).exists()

    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=16, portal=16)
    run(setup)
    assert LicenseWarning.objects.filter(kind=WarningKind.SIGNAL).count() == 2
    assert LicenseWarning.objects.filter(kind=WarningKind.SIGNAL, resolved_at__isnull=True).count() == 1


def test_exactly_five_available_does_not_fire(setup):
    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=17, portal=17)

    run(setup)

    assert not LicenseWarning.objects.filter(kind=WarningKind.SIGNAL).exists()


def test_a_customers_signal_mails_its_recipients_and_other_customers_ignore_it(setup, customer_b, medewerker):
    signal = Signal.objects.create(
        customer=setup, name="Bijna vol", item="profit_users", scope="O", threshold=10
    )
    signal.recipients.add(medewerker)
    other = CustomerFactory(number="55555")
    LicenseFactory(customer=other)
    profit_users(fresh_environment(other), 12)
    LicenseLineFactory(license=other.license, item="profit_users", scope="O", maximum=20)

    run(setup, other)

    assert LicenseWarning.objects.filter(kind=WarningKind.SIGNAL, signal=signal).count() == 1
    assert not LicenseWarning.objects.filter(customer=other, kind=WarningKind.SIGNAL).exists()
    to_medewerker = OutboxEmail.objects.get(to=medewerker.email)
    assert "Bijna vol" in to_medewerker.body


def test_beheerders_get_one_email_per_run_listing_what_newly_opened(setup, beheerder, medewerker):
    second = MembershipFactory(customer=setup, role=Role.BEHEERDER).contact
    line_set_maximum(customer=setup, item="profit_users", scope="O", quantity=10, by="billing")

    run(setup)

    emails = OutboxEmail.objects.order_by("to")
    assert sorted(e.to for e in emails) == sorted([beheerder.email, second.email])
    body = emails[0].body
    assert "Afwijkingen, gevonden en gecorrigeerd" in body
    assert "Overschrijding" in body
    assert "/afwijkingen" in body or "http" in body
    assert emails[0].subject == "Licentieportaal: nieuwe meldingen voor klant 12345"


def test_running_the_job_twice_gives_the_same_state_and_no_second_email(setup, beheerder):
    EnvironmentFactory(customer=setup, type="T", data_taken_at=None)
    line_set_maximum(customer=setup, item="profit_users", scope="O", quantity=10, by="billing")

    def state():
        return (
            list(LicenseLine.objects.order_by("id").values_list("id", "maximum", "portal", "in_use")),
            list(
                UsageSnapshot.objects.order_by("id").values_list("id", "line_id", "date", "in_use", "maximum")
            ),
            list(
                LicenseWarning.objects.order_by("id").values_list(
                    "id",
                    "kind",
                    "line_id",
                    "environment_id",
                    "signal_id",
                    "opened_at",
                    "resolved_at",
                    "params",
                )
            ),
            list(OutboxEmail.objects.order_by("id").values_list("id", "to", "subject", "body")),
        )

    with time_machine.travel(NOW, tick=False):
        first = run(setup)
        once = state()
        second = run(setup)

    assert state() == once
    assert first.emails == 1 and second.emails == 0 and second.opened == 0
    kinds = sorted(LicenseWarning.objects.values_list("kind", flat=True))
    assert kinds == ["deviation", "over_use", "signal", "stale_data"]


def test_the_outbox_is_sent_after_commit_and_never_twice(
    setup, beheerder, django_capture_on_commit_callbacks
):
    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=10, portal=10)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run(setup)

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [beheerder.email]
    assert OutboxEmail.objects.get().sent_at is not None
    assert outbox.send_pending_emails() == 0
    assert len(mail.outbox) == 1


def test_a_failing_send_is_kept_for_a_later_attempt(setup, beheerder, monkeypatch):
    LicenseLine.objects.filter(pk=line_of(setup).pk).update(maximum=10, portal=10)
    run(setup)

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert outbox.send_pending_emails() == 0
    email = OutboxEmail.objects.get()
    assert (email.sent_at, email.attempts) == (None, 1)
    assert "smtp down" in email.last_error

    monkeypatch.undo()
    assert outbox.send_pending_emails() == 1
    assert len(mail.outbox) == 1


def test_a_batch_takes_a_fixed_number_of_queries(django_assert_max_num_queries, beheerder):
    def customers(first_number, count):
        made = []
        for n in range(count):
            customer = CustomerFactory(number=f"{first_number + n:05d}")
            LicenseFactory(customer=customer)
            profit_users(EnvironmentFactory(customer=customer, type="O", data_taken_at=None), 3)
            LicenseLineFactory(license=customer.license, item="profit_users", scope="O", maximum=4, portal=2)
            MembershipFactory(customer=customer, role=Role.BEHEERDER)
            made.append(customer)
        return made

    services.ensure_builtin_signal()
    small = customers(20000, 2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        run(*small)
    large = customers(30000, 8)
    with CaptureQueriesContext(connection) as eight:
        run(*large)

    assert len(eight) == len(two)
    assert OutboxEmail.objects.count() == 10


def test_the_database_holds_at_most_one_open_warning_per_subject(setup, customer_a):
    environment = fresh_environment(customer_a)

    def open_stale(message):
        return LicenseWarning.objects.create(
            customer=customer_a,
            kind=WarningKind.STALE_DATA,
            environment=environment,
            params={"code": message},
            opened_at=timezone.now(),
        )

    open_stale("a")
    with pytest.raises(IntegrityError), transaction.atomic():
        open_stale("b")
    # Once resolved, the same subject may open again.
    LicenseWarning.objects.filter(environment=environment).update(resolved_at=timezone.now())
    open_stale("c")

    assert list(
        LicenseWarning.objects.filter(environment=environment).order_by("id").values_list("params", flat=True)
    ) == [{"code": "a"}, {"code": "c"}]
