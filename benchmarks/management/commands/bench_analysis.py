"""Benchmark of the license analysis workbook: build time, and peak memory that does not grow with rows.

Builds a synthetic customer in the configured database under dedicated customer numbers (removed
before and after), writes the workbook to a temporary file, and measures a second customer with a
tenth of the users to show that memory stays flat (openpyxl write-only mode, chunked cursor).
"""

import os
import random
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from benchmarks.guard import add_allow_other_customers, refuse_other_customers
from environments.models import Employee, Environment, EnvironmentUser, UserIdentity
from environments.usage import count_usage
from environments.vocabulary import UserKind
from licensing.analysis.workbook import build_workbook
from licensing.models import License, LicenseLine
from portal.models import Customer

BENCH_NUMBERS = ("89999", "89998")
BENCH_NAME = "Benchmark licentieanalyse"
BENCH_CODE_PREFIX = "bench-analysis:"
# The type of each environment in turn: mostly production, as with real customers.
TYPE_PATTERN = "OOOOTTTAAD"
BATCH = 5000
# A real customer under one of BENCH_NUMBERS is refused always, --allow-other-customers or not.
RESERVED_NUMBERS_TAKEN = (
    f"Customer numbers {', '.join(BENCH_NUMBERS)} are reserved for this benchmark but hold real data."
)


def _suffixes() -> Iterator[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for first in letters:
        for second in letters:
            yield first + second


def clean() -> None:
    """Remove every bench customer of this command, and identities only they used."""
    customers = Customer.objects.filter(number__in=BENCH_NUMBERS)
    foreign = customers.exclude(name__startswith=BENCH_NAME)
    if foreign.exists():
        raise CommandError(RESERVED_NUMBERS_TAKEN)
    with transaction.atomic():
        environments = Environment.objects.filter(customer__in=customers)
        EnvironmentUser.objects.filter(environment__in=environments).delete()
        Employee.objects.filter(environment__in=environments).delete()
        environments.delete()
        LicenseLine.objects.filter(license__customer__in=customers).delete()
        License.objects.filter(customer__in=customers).delete()
        customers.delete()
        used = EnvironmentUser.objects.filter(
            identity_id__in=UserIdentity.objects.filter(code__startswith=BENCH_CODE_PREFIX).values("id")
        ).values("identity_id")
        UserIdentity.objects.filter(code__startswith=BENCH_CODE_PREFIX).exclude(id__in=used).delete()


def _in_batches(rows: Iterator, model) -> int:
    total, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_create(batch)
            total, batch = total + len(batch), []
    if batch:
        model.objects.bulk_create(batch)
        total += len(batch)
    return total


def build_customer(
    *, number: str, users: int, environment_count: int, seed: int = 42
) -> tuple[Customer, int]:
    """A customer with `users` unique users spread over its environments; returns it and the user rows."""
    rng = random.Random(seed)
    customer = Customer.objects.create(number=number, name=f"{BENCH_NAME} {number}")
    license = License.objects.create(customer=customer)
    suffixes = {letter: _suffixes() for letter in "OTAD"}
    environments = []
    for index in range(environment_count):
        letter = TYPE_PATTERN[index % len(TYPE_PATTERN)]
        environments.append(
            Environment.objects.create(
                customer=customer, type=letter, code=f"{letter}{number}{next(suffixes[letter])}"
            )
        )
    productions = [environment for environment in environments if environment.type == "O"] or environments

    codes = [f"{BENCH_CODE_PREFIX}{number}.{i:06d}" for i in range(users)]
    UserIdentity.objects.bulk_create(
        [UserIdentity(code=code) for code in codes], batch_size=BATCH, ignore_conflicts=True
    )
    identity_ids = dict(UserIdentity.objects.filter(code__in=codes).values_list("code", "id"))

    def user_rows():
        for i, code in enumerate(codes):
            home = productions[i % len(productions)]
            kind = UserKind.COWORKER if rng.random() < 0.02 else UserKind.PERSON
            for environment in environments:
                if environment is not home and rng.random() >= 0.4:
                    continue
                yield EnvironmentUser(
                    environment=environment,
                    identity_id=identity_ids[code],
                    # Some environments spell the code differently; the analysis merges them.
                    code=code.upper() if environment.type == "T" else code,
                    name=f"Gebruiker {i}",
                    email=f"gebruiker{i}@example.nl",
                    profit=rng.random() < 0.8,
                    insite=rng.random() < 0.6,
                    outsite=rng.random() < 0.1,
                    blocked=rng.random() < 0.05,
                    kind=kind,
                )

    def employee_rows():
        for i in range(int(users * 0.9)):
            guid = uuid.UUID(int=int(number) << 64 | i)
            for environment in {productions[i % len(productions)], productions[(i * 7) % len(productions)]}:
                yield Employee(
                    environment=environment, guid=guid, name=f"Medewerker {i}", in_service=i % 10 != 0
                )

    rows = _in_batches(user_rows(), EnvironmentUser)
    _in_batches(employee_rows(), Employee)
    usage = count_usage([customer.id]).get(customer.id, {})
    LicenseLine.objects.bulk_create(
        LicenseLine(license=license, item=item, scope=scope, maximum=users, portal=users, in_use=in_use)
        for (item, scope), in_use in usage.items()
    )
    return customer, rows


def measure(customer: Customer) -> tuple[float, float, float, int]:
    """Build time and CPU time (untraced), tracemalloc peak in MiB (a second, traced build), file size."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "analysis.xlsx")
        started, cpu_started = time.perf_counter(), time.process_time()
        build_workbook(customer=customer, output=path)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        size = os.path.getsize(path)
        tracemalloc.start()
        try:
            build_workbook(customer=customer, output=path)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return seconds, cpu, peak / 2**20, size


class Command(BaseCommand):
    help = (
        "Builds a synthetic customer (customer number 89999, removed afterwards) and measures how long the "
        "license analysis workbook takes and how much memory it needs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=20000, help="unique users of the customer")
        parser.add_argument("--environments", type=int, default=10, help="environments of the customer")
        add_allow_other_customers(parser)

    def handle(self, *args, users, environments, allow_other_customers, **options):
        if users < 10 or not 1 <= environments <= 100:
            raise CommandError("Use --users 10 or more and --environments between 1 and 100.")
        refuse_other_customers(
            command="bench_analysis",
            first=min(BENCH_NUMBERS),
            last=max(BENCH_NUMBERS),
            allowed=allow_other_customers,
        )
        clean()
        try:
            started = time.perf_counter()
            big, big_rows = build_customer(
                number=BENCH_NUMBERS[0], users=users, environment_count=environments
            )
            small, _ = build_customer(
                number=BENCH_NUMBERS[1], users=users // 10, environment_count=environments
            )
            self.stdout.write(
                f"data: {users} users in {environments} environments ({big_rows} user rows), "
                f"plus {users // 10} users for comparison, generated in {time.perf_counter() - started:.1f}s"
            )
            seconds, cpu, peak, size = measure(big)
            _seconds, _cpu, small_peak, _size = measure(small)
            self.stdout.write(f"workbook: {size / 2**20:.1f} MiB, {cpu:.2f}s CPU in this process")
            self.stdout.write(
                f"analysis: users {users}, build {seconds:.2f}s, peak memory {peak:.1f} MiB "
                f"(at {users // 10} users: {small_peak:.1f} MiB)"
            )
        finally:
            clean()
