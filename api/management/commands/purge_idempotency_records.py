from django.core.management.base import BaseCommand

from api.idempotency import KEPT_FOR, purge_idempotency_records


class Command(BaseCommand):
    help = (
        f"Deletes the API's Idempotency-Key records older than {KEPT_FOR.total_seconds() / 3600:.0f} hours "
        "(a repeat after that is a new request). Safe to run at any time, e.g. daily from cron."
    )

    def handle(self, *args, **options):
        deleted = purge_idempotency_records()
        self.stdout.write(f"purged {deleted} idempotency records")
