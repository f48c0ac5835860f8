from django import template

from licensing.monitoring.charts import usage_chart as build_usage_chart

register = template.Library()


@register.simple_tag
def usage_chart(line):
    """`{% usage_chart line as chart %}`: the line's chart over the last 90 days (one query)."""
    return build_usage_chart(line)
