import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from api.models import ApiScope
from api.services import CredentialError, create_api_key
from portal.models import Customer

BY = "manage.py create_api_key"


def expiry_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--expires takes a date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Creates an API key of customer N and prints it alone on the last line. The key is shown this "
        "once: only its SHA-256 digest is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("customer", help="five-digit customer number")
        parser.add_argument("--name", required=True, help="what the key is for, e.g. 'Power BI'")
        parser.add_argument(
            "--scope",
            action="append",
            required=True,
            dest="scopes",
            metavar="SCOPE",
            help=f"a right of the key, repeatable: {', '.join(ApiScope.values)}",
        )
        parser.add_argument("--expires", metavar="YYYY-MM-DD", help="the last day the key works")

    def handle(self, *args, customer, name, scopes, expires, **options):
        unknown = [scope for scope in scopes if scope not in ApiScope.values]
        if unknown:
            raise CommandError(f"Unknown scope {unknown[0]!r}; choose from {', '.join(ApiScope.values)}.")
        expires_on = expiry_date(expires) if expires else None
        try:
            customer_obj = Customer.objects.get(number=customer)
        except Customer.DoesNotExist:
            raise CommandError(f"Customer {customer} does not exist.") from None
        try:
            api_key, secret = create_api_key(
                customer=customer_obj, name=name, scopes=scopes, expires=expires_on, by=BY
            )
        except CredentialError as refusal:
            with translation.override("en"):
                raise CommandError(str(refusal.message)) from None
        until = api_key.expires_at.isoformat() if api_key.expires_at else "no expiry"
        self.stderr.write(
            f"API key {api_key.name!r} of customer {customer_obj.number} ({', '.join(api_key.scopes)}; "
            f"{until}). It is shown this once:"
        )
        self.stdout.write(secret)
