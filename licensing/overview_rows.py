"""Licentiedata's table rows, rendered once per line and state and cached, so that a page view renders no
row (nor builds or even reads a chart) that did not change.

A row's key holds everything `licensing/_overview_row.html` shows: the line's numbers and whether its
deviation is a granted request's, its monthly price (under the price list in effect, read per view) and
its open four-eyes change, the license's `counted_at` (which every recount and the nightly job set,
so new usage history makes a new key), the day (the forecast and the 90 days move with it), whether the
reader may change lines, and the language. A mutation, a recount or another day is a new key; the old
ones expire. Whatever is added to the row template must be added to the key.
"""

from dataclasses import replace
from datetime import date, datetime

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .models import LicenseLine
from .monitoring.charts import CACHE_SECONDS, cached_usage_charts

ROW_TEMPLATE = "licensing/_overview_row.html"
VERSION = 2  # raise when the row template changes what it shows


def row_key(row, *, counted_at: datetime | None, today: date, can_change: bool) -> str:
    line: LicenseLine = row.line
    stamp = counted_at.timestamp() if counted_at else "-"
    state = f"{line.item}:{line.scope}:{line.maximum}:{line.portal}:{line.in_use}:{int(line.granted_pending)}"
    pending = getattr(line, "pending_change", None)
    state += f":{row.price}:{f'{pending.pk}-{pending.quantity}' if pending else '-'}"
    language = translation.get_language() or "-"
    return (
        f"overview-row:{VERSION}:{line.pk}:{state}:{stamp}:{today.isoformat()}:{int(can_change)}:{language}"
    )


def rendered_sections(groups: list, *, counted_at: datetime | None, can_change: bool) -> list[tuple]:
    """[(group, [row html, ...]), ...] of license_overview's groups: the rows from the cache (one round
    trip), and what is not there rendered with its chart (cached_usage_charts) and stored."""
    today = timezone.localdate()
    rows = [row for group in groups for row in group.rows]
    keys = {
        row.line.pk: row_key(row, counted_at=counted_at, today=today, can_change=can_change) for row in rows
    }
    found = cache.get_many(list(keys.values()))
    html = {pk: mark_safe(found[key]) for pk, key in keys.items() if key in found}  # noqa: S308 (ours)
    missing = [row for row in rows if row.line.pk not in html]
    if missing:
        charts = cached_usage_charts([row.line for row in missing], counted_at=counted_at, today=today)
        built = {
            row.line.pk: render_to_string(
                ROW_TEMPLATE, {"row": replace(row, chart=charts[row.line.pk]), "can_change": can_change}
            )
            for row in missing
        }
        cache.set_many({keys[pk]: str(text) for pk, text in built.items()}, CACHE_SECONDS)
        html.update({pk: SafeString(text) for pk, text in built.items()})
    return [(group, [html[row.line.pk] for row in group.rows]) for group in groups]
