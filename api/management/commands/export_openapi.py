import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api.v1 import openapi_text

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"


class Command(BaseCommand):
    help = "Writes the API's OpenAPI 3.1 schema to docs/openapi.json (or --output); --check compares only."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=COMMITTED, help="default: docs/openapi.json")
        parser.add_argument(
            "--check", action="store_true", help="exit non-zero when the file differs from the code's schema"
        )

    def handle(self, *args, output, check, **options):
        text = openapi_text()
        if check:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != text:
                raise CommandError(f"{output} differs from the code's schema: run manage.py export_openapi.")
            self.stderr.write(f"{output} is up to date")
            return
        output.write_text(text, encoding="utf-8")
        schema = json.loads(text)
        self.stderr.write(f"written to {output} ({len(schema['paths'])} paths)")
