import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from licensing.services import recount_customers
from portal.models import Customer


class Command(BaseCommand):
    help = "Recounts license usage now (the nightly job), for every active customer or one."

    def add_arguments(self, parser):
        parser.add_argument("--customer", help="only this five-digit customer number")
        parser.add_argument("--batch-size", type=int, default=settings.LICENSE_REFRESH_BATCH_SIZE)

    def handle(self, *args, customer, batch_size, **options):
        customers = Customer.objects.filter(is_active=True)
        if customer:
            customers = Customer.objects.filter(number=customer)
            if not customers.exists():
                raise CommandError(f"Customer {customer} does not exist.")
        ids = list(customers.order_by("id").values_list("id", flat=True))
        total = len(ids)
        started = time.monotonic()
        done = lines = 0
        for start in range(0, total, max(batch_size, 1)):
            result = recount_customers(customer_ids=ids[start : start + batch_size])
            done += result.customers
            lines += result.lines
            self.stderr.write(
                f"\rrecounted {done}/{total} customers, {lines} lines, {time.monotonic() - started:.1f}s",
                ending="",
            )
        self.stderr.write("")
        self.stdout.write(f"refreshed {done} customers ({lines} lines) in {time.monotonic() - started:.1f}s")
