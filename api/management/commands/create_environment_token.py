from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from api.services import CredentialError, create_environment_token
from environments.models import Environment

BY = "manage.py create_environment_token"


class Command(BaseCommand):
    help = (
        "Creates a token that pushes the snapshot of environment CODE and prints it alone on the last "
        "line. The token is shown this once: only its SHA-256 digest is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("environment", metavar="CODE", help="environment code, e.g. O12345AA")

    def handle(self, *args, environment, **options):
        try:
            environment_obj = Environment.objects.get(code=environment.strip().upper())
        except Environment.DoesNotExist:
            raise CommandError(f"Environment {environment} does not exist.") from None
        try:
            token, secret = create_environment_token(environment=environment_obj, by=BY)
        except CredentialError as refusal:
            with translation.override("en"):
                raise CommandError(str(refusal.message)) from None
        self.stderr.write(
            f"Environment token of {environment_obj.code} ({token.display}). It is shown this once:"
        )
        self.stdout.write(secret)
