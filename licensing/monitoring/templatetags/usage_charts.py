from django import template

from licensing.monitoring.charts import cached_usage_charts

register = template.Library()


@register.simple_tag
def usage_chart(line):
    """`{% usage_chart line as chart %}`: the line's chart over the last 90 days, from the cache
    when its line and count stamp are unchanged (else one query); the line comes with its license."""
    return cached_usage_charts([line], counted_at=line.license.counted_at)[line.pk]
