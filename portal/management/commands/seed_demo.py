from django.core.management.base import BaseCommand

from portal import demo, demo_data


class Command(BaseCommand):
    help = (
        "Creates the demo data (customers 12345 and 67890, their environments, contacts and license "
        "lines) or brings it back; running it again leaves the same state."
    )

    def handle(self, *args, **options):
        demo.seed(log=self.stdout.write)
        self.stdout.write(
            f"demo logins: beheerder@example.nl / {demo_data.PASSWORD_BEHEERDER}, "
            f"medewerker@example.nl / {demo_data.PASSWORD_MEDEWERKER}, "
            f"beheerder67890@example.nl / {demo_data.PASSWORD_BEHEERDER}"
        )
