from django.core.management.base import BaseCommand, CommandError

from environments.vocabulary import Item, Scope
from licensing.services import LicenseError, line_set_maximum
from portal.models import Customer


class Command(BaseCommand):
    help = (
        "Back-office change of a line's maximum (a contract change from billing). "
        "The portal number follows at the next nightly run."
    )

    def add_arguments(self, parser):
        parser.add_argument("customer", help="five-digit customer number")
        parser.add_argument("item", choices=Item.values)
        parser.add_argument("scope", choices=Scope.values)
        parser.add_argument("quantity", type=int)

    def handle(self, *args, customer, item, scope, quantity, **options):
        try:
            customer_obj = Customer.objects.get(number=customer)
        except Customer.DoesNotExist:
            raise CommandError(f"Customer {customer} does not exist.") from None
        try:
            mutation = line_set_maximum(
                customer=customer_obj, item=item, scope=scope, quantity=quantity, by="set_entitlement"
            )
        except LicenseError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            f"{customer} {item} {scope}: maximum {mutation.old_maximum} -> {mutation.new_quantity} "
            f"(portal number {mutation.old_portal} until the next nightly run)"
        )
