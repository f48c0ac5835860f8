from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = (
        "Checks that the configured database and Redis answer (creating a missing PostgreSQL "
        "database); fails with a clear message if not."
    )

    def handle(self, *args, **options):
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            if connection.vendor == "postgresql" and "does not exist" in str(exc):
                self._create_postgres_database()
            else:
                raise CommandError(
                    f"The database does not answer ({connection.vendor}: {exc}). "
                    "Start PostgreSQL or set DATABASE_URL."
                ) from exc
        if settings.REDIS_URL:
            import redis

            try:
                redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
            except redis.RedisError as exc:
                raise CommandError(
                    f"Redis does not answer at {settings.REDIS_URL} ({exc}). Start Redis or set REDIS_URL."
                ) from exc
        self.stdout.write(f"database ({connection.vendor}) ok" + (", redis ok" if settings.REDIS_URL else ""))
        if connection.vendor == "postgresql" and not autovacuum_is_on():
            self.stderr.write(AUTOVACUUM_OFF)

    def _create_postgres_database(self):
        import psycopg
        from psycopg import sql

        params = connection.get_connection_params()
        name = params.pop("dbname")
        params["dbname"] = "postgres"
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.stdout.write(f"created database {name}")


AUTOVACUUM_OFF = (
    "warning: autovacuum is off on this PostgreSQL server. Every nightly run rewrites each license's "
    "counted_at and the lines that changed; without autovacuum those tables keep growing and the "
    "recount slows down night after night. Turn it on in production (postgresql.conf: autovacuum = on)."
)


def autovacuum_is_on() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "on"
