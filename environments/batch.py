"""Statements sent to the database as one batch."""

from django.db import connection


def execute_batch(statements: list[tuple[str, list, bool]]) -> list[list[tuple]]:
    """Runs `statements` ((sql, parameters, has rows to read)) in order and returns the rows of each that
    has rows to read. On PostgreSQL they go as one batch, one round trip (the connection binds the
    parameters on the client side); elsewhere one by one."""
    results = []
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for sql, params, has_rows in statements:
                cursor.execute(sql, params)
                if has_rows:
                    results.append(cursor.fetchall())
            return results
        cursor.execute(
            ";\n".join(sql for sql, _, _ in statements), [p for _, ps, _ in statements for p in ps]
        )
        for position, (_, _, has_rows) in enumerate(statements):
            if position:
                cursor.cursor.nextset()
            if has_rows:
                results.append(cursor.fetchall())
    return results
