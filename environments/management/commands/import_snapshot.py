import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from environments.services import import_snapshots
from environments.snapshots import SnapshotError, format_errors, parse_snapshot

CANNOT_READ = "cannot read: {reason}"


class Command(BaseCommand):
    help = (
        "Imports environment snapshots (JSON, format 1) and replaces each environment's users, employees, "
        "declarations and clients. Every file is validated first and all go in one transaction: on bad "
        "input nothing changes and each problem is named as FILE: field[position].field: problem "
        "(positions count from 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="snapshot file, or - for standard input")

    def handle(self, *args, files, **options):
        snapshots, errors = [], []
        for name in files:
            try:
                raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            except OSError as exc:
                errors.append(f"{name}: {CANNOT_READ.format(reason=exc.strerror or exc)}")
                continue
            try:
                snapshots.append(parse_snapshot(raw, source_name="<stdin>" if name == "-" else name))
            except SnapshotError as exc:
                errors.extend(exc.errors)
        if errors:
            raise CommandError(format_errors(errors))
        try:
            results = import_snapshots(snapshots=snapshots)
        except SnapshotError as exc:
            raise CommandError(exc.message) from None
        for result in results:
            taken_at = result.taken_at.isoformat()
            self.stdout.write(
                f"{result.source_name}: imported {result.environment} (taken at {taken_at}): "
                f"{result.users} users, {result.employees} employees, {result.declarations} declarations, "
                f"{result.clients} clients"
            )
