import sys

from django.core.management.base import BaseCommand, CommandError

from environments.services import import_snapshots, load_snapshot
from environments.snapshot_messages import SnapshotError, format_errors, shown_source

CANNOT_READ = "cannot read: {reason}"


class Command(BaseCommand):
    help = (
        "Imports environment snapshots (JSON, format 1) and replaces each environment's users, employees, "
        "declarations and clients. Every file is validated first and all go in one transaction: on bad "
        "input nothing changes and each problem is named as FILE: field[position].field: problem "
        "(positions count from 0). A file larger than SNAPSHOT_MAX_BYTES is refused unread; a FILE ending in "
        ".gz is gzip, and what it decompresses to is held to the same limit."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="snapshot file, or - for standard input")

    def handle(self, *args, files, **options):
        snapshots, errors, total = [], [], 0
        for name in files:
            source_name = "<stdin>" if name == "-" else name
            try:
                if name == "-":
                    snapshots.append(load_snapshot(sys.stdin.buffer, source_name=source_name))
                else:
                    with open(name, "rb") as file:
                        snapshots.append(
                            load_snapshot(file, source_name=source_name, gzipped=name.endswith(".gz"))
                        )
            except OSError as exc:
                errors.append(f"{shown_source(name)}: {CANNOT_READ.format(reason=exc.strerror or exc)}")
                total += 1
            except SnapshotError as exc:
                errors.extend(exc.errors)
                total += exc.total
        if errors:
            raise CommandError(format_errors(errors, total))
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
