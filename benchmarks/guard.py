"""The benchmarks build and delete data in whatever database is configured; this guard makes them refuse a
database that holds customers outside their own numbers, unless told to with --allow-other-customers.

Customer numbers are five digits (a check constraint), so a range of numbers compares as text.
"""

from django.core.management.base import CommandError

from portal.models import Customer

ALLOW_OTHER_CUSTOMERS = "--allow-other-customers"
OTHER_CUSTOMERS = (
    "The database holds {count} customer(s) outside {own}, the numbers {command} uses "
    "(for example {example}). {command} builds and deletes data in the configured database; point "
    "DATABASE_URL at a database of its own, or add " + ALLOW_OTHER_CUSTOMERS + " to run it here anyway "
    "(it still touches only its own customers)."
)


def add_allow_other_customers(parser) -> None:
    parser.add_argument(
        ALLOW_OTHER_CUSTOMERS,
        action="store_true",
        help="run even though the database holds customers outside this benchmark's numbers "
        "(they are left alone)",
    )


def refuse_other_customers(*, command: str, first: str, last: str, allowed: bool) -> None:
    """CommandError when any customer's number lies outside first..last, unless `allowed`."""
    if allowed:
        return
    others = Customer.objects.exclude(number__gte=first, number__lte=last).order_by("number")
    count = others.count()
    if count:
        own = first if first == last else f"{first}-{last}"
        raise CommandError(
            OTHER_CUSTOMERS.format(count=count, own=own, command=command, example=others[0].number)
        )
