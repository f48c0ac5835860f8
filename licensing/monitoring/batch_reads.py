"""The reads of a nightly batch that take its locks or gather what its steps need: the licenses locked
with the versions of their inputs, the active signals and the recipients of those that fired, and the
customers whose users' last login turned 90 days old."""

from datetime import datetime

from django.db.models import Q, prefetch_related_objects

from environments.models import UserSummary
from licensing.models import License

from .models import Signal
from .services import ensure_builtin_signal


def active_signals(*, ids: list[int]) -> list[Signal]:
    """The active signals of the batch's customers and the built-in one (created if it is missing)."""
    found = Signal.objects.filter(Q(is_builtin=True) | Q(customer_id__any_of=ids), is_active=True)
    signals = list(found)
    if not any(signal.is_builtin for signal in signals) and ensure_builtin_signal().is_active:
        signals = list(found.all())  # a flushed database lost it
    return signals


def recipients_of(signals: list[Signal], *, fired: set[int]) -> dict[int, dict[str, str]]:
    """{signal id: {e-mail address: language}} of the signals that newly fired (one query, if any)."""
    fired_signals = [signal for signal in signals if signal.id in fired]
    prefetch_related_objects(fired_signals, "recipients__user")
    return {
        s.id: {c.user.email: c.language for c in s.recipients.all() if c.user.email} for s in fired_signals
    }


def ageing_summaries(*, ids: list[int], in_range: dict, now: datetime) -> list[int]:
    """The batch's customers with a summary row whose last login became 90 days old: read through the
    index of `login_ages_at` (they are few) as the batch's range, then only the batch's own."""
    batch = set(ids)
    found = (
        UserSummary.objects.filter(login_ages_at__lte=now, **in_range)
        .order_by()
        .values_list("customer_id", flat=True)
        .distinct()
    )
    return sorted(batch.intersection(found))


def lock_licenses_with_versions(ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """{customer id: license id} of the batch, the licenses locked in id order, and {customer id:
    version of its inputs} as committed now (0 for a customer never marked), in one query."""
    licenses, versions = {}, dict.fromkeys(ids, 0)
    for customer_id, license_id, version in (
        License.objects.select_for_update(of=("self",))
        .filter(customer_id__any_of=ids)
        .order_by("id")
        .values_list("customer_id", "id", "customer__count_inputs__version")
    ):
        licenses[customer_id] = license_id
        versions[customer_id] = version or 0
    return licenses, versions


def lock_licenses(ids: list[int]) -> dict[int, int]:
    """{customer id: license id} of the batch, the licenses locked in id order."""
    return dict(
        License.objects.select_for_update()
        .filter(customer_id__any_of=ids)
        .order_by("id")
        .values_list("customer_id", "id")
    )
