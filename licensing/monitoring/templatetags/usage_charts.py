from django import template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from licensing.monitoring.charts import CACHE_SECONDS, DAYS, cached_usage_charts

register = template.Library()

FIGURE_TEMPLATE = "licensing/_usage_chart.html"
FIGURE_VERSION = 1  # raise when the figure's template changes what it shows


@register.simple_tag
def usage_chart(line):
    """`{% usage_chart line as chart %}`: the line's chart over the last 90 days, from the cache
    when its line and count stamp are unchanged (else one query); the line comes with its license."""
    return cached_usage_charts([line], counted_at=line.license.counted_at)[line.pk]


def figure_key(line) -> str:
    """What the figure shows: the line, its numbers, its license's count stamp (new history comes with a
    new one), the day and the language."""
    counted_at = line.license.counted_at
    stamp = counted_at.timestamp() if counted_at else "-"
    state = f"{line.pk}:{line.item}:{line.scope}:{line.maximum}:{line.in_use}:{stamp}"
    day = timezone.localdate().isoformat()
    return f"usage-figure:{FIGURE_VERSION}:{state}:{day}:{DAYS}:{translation.get_language() or '-'}"


@register.simple_tag
def usage_chart_figure(line):
    """`{% usage_chart_figure line %}`: the line's chart with its caption and its table of 90 days
    (licensing/_usage_chart.html), rendered once per line and count stamp and cached, so that a view
    renders nothing that did not change."""
    key = figure_key(line)
    html = cache.get(key)
    if html is None:
        html = str(render_to_string(FIGURE_TEMPLATE, {"line": line}))
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # our template's output, escaped when it was rendered
