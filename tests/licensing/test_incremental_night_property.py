"""Property: after any sequence of changes and incremental nights, every stored count is the exact count of
the data, and a full night afterwards changes nothing (no count, portal number or open warning)."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from environments import services as environment_services
from environments.models import Environment, UserIdentity
from environments.usage import count_usage
from licensing.models import License, LicenseLine
from licensing.monitoring import runs
from licensing.monitoring.models import LicenseWarning, RefreshBatch
from licensing.services import line_set_maximum
from portal.models import Customer

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
CUSTOMERS = ("12345", "67890", "24680")
USERS = ("anna", "bram", "cor")
CODES = ("OAA", "OAB", "TAA")  # type letter and suffix of each customer's environments

users = st.lists(st.tuples(st.sampled_from(USERS), st.booleans(), st.booleans()), unique_by=lambda u: u[0])
change = st.one_of(
    st.tuples(st.just("import"), st.integers(0, 2), st.integers(0, 2), users),
    st.tuples(st.just("again"), st.integers(0, 2), st.integers(0, 2)),  # the same content once more
    st.tuples(st.just("block"), st.integers(0, 2), st.sampled_from(USERS), st.booleans()),
    st.tuples(st.just("maximum"), st.integers(0, 2), st.integers(0, 6)),
    st.tuples(st.just("active"), st.integers(0, 2), st.integers(0, 2), st.booleans()),
    st.just(("night",)),
    st.just(("night",)),
)
ANNA = [("anna", False, False)]
BOTH = [("anna", True, False), ("bram", False, False)]


def code(customer: str, position: int) -> str:
    letter, suffix = CODES[position][0], CODES[position][1:]
    return f"{letter}{customer}{suffix}"


def night(*, full: bool) -> None:
    run = runs.start_run(customer_ids=list(Customer.objects.values_list("id", flat=True)), full=full)
    for batch in RefreshBatch.objects.filter(run=run).order_by("id"):
        runs.process_batch(batch_id=batch.id)


def stored() -> dict[int, dict[tuple[str, str], int]]:
    found: dict[int, dict] = {}
    for customer_id, item, scope, in_use in LicenseLine.objects.values_list(
        "license__customer_id", "item", "scope", "in_use"
    ):
        if in_use:
            found.setdefault(customer_id, {})[(item, scope)] = in_use
    return found


def state():
    lines = set(LicenseLine.objects.values_list("id", "in_use", "portal", "maximum"))
    warnings = set(
        LicenseWarning.objects.filter(resolved_at__isnull=True).values_list(
            "kind", "line_id", "environment_id", "signal_id"
        )
    )
    return lines, warnings


class World:
    def __init__(self):
        self.customers = [Customer.objects.create(number=n, name=n) for n in CUSTOMERS]
        for customer in self.customers:
            License.objects.create(customer=customer)
            for position in range(len(CODES)):
                Environment.objects.create(
                    customer=customer, code=code(customer.number, position), type=CODES[position][0]
                )
        self.last: dict[str, bytes] = {}
        self.minute = 0

    def snapshot(self, environment: str, people) -> bytes:
        self.minute += 1
        taken_at = (NOW - timedelta(hours=2) + timedelta(minutes=self.minute)).isoformat()
        body = {
            "format": 1,
            "environment": environment,
            "taken_at": taken_at,
            "users": [
                {"code": name, "profit": True, "insite": insite, "outsite": False, "blocked": blocked}
                for name, insite, blocked in people
            ],
            "employees": [],
            "declarations": [],
            "clients": [],
        }
        return json.dumps(body).encode()

    def load(self, data: bytes) -> None:
        parsed = environment_services.load_snapshot(io.BytesIO(data), source_name="s.json")
        environment_services.import_snapshots(snapshots=[parsed])

    def apply(self, step) -> None:
        kind, *args = step
        if kind == "import":
            customer, position, people = args
            environment = code(self.customers[customer].number, position)
            self.last[environment] = people
            self.load(self.snapshot(environment, people))
        elif kind == "again":
            environment = code(self.customers[args[0]].number, args[1])
            if environment in self.last:
                self.load(self.snapshot(environment, self.last[environment]))
        elif kind == "block":
            customer, name, blocked = args
            identity = UserIdentity.objects.filter(code=name).first()
            if identity is not None:
                environment_services.environment_users_set_blocked(
                    customer_id=self.customers[customer].id, identity_id=identity.id, blocked=blocked
                )
        elif kind == "maximum":
            line_set_maximum(
                customer=self.customers[args[0]], item="profit_users", scope="O", quantity=args[1], by="test"
            )
        elif kind == "active":
            customer, position, active = args
            environment = Environment.objects.get(code=code(self.customers[customer].number, position))
            environment.is_active = active
            environment_services.environment_save(environment=environment)
        else:
            night(full=False)
            assert stored() == count_usage([customer.id for customer in self.customers])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(change, min_size=1, max_size=12))
# Each kind of change once for certain, each followed by a night that must count it.
@example(steps=[("import", 0, 0, BOTH), ("night",), ("import", 0, 0, ANNA), ("night",), ("again", 0, 0)])
@example(steps=[("import", 1, 0, BOTH), ("night",), ("block", 1, "anna", True), ("night",)])
@example(steps=[("import", 1, 0, BOTH), ("block", 1, "bram", True), ("night",), ("block", 1, "bram", False)])
@example(steps=[("import", 0, 0, BOTH), ("night",), ("maximum", 0, 1), ("night",), ("maximum", 0, 6)])
@example(
    steps=[("import", 2, 2, BOTH), ("night",), ("active", 2, 2, False), ("night",), ("active", 2, 2, True)]
)
def test_incremental_nights_leave_exactly_what_a_full_night_would(steps):
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        world = World()
        night(full=True)
        for step in [*steps, ("night",)]:
            world.apply(step)
        before = state()

        night(full=True)

        assert state() == before
        transaction.set_rollback(True)
