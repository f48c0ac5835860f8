"""`{% load money %}` … `{{ amount|money }}`: an amount in EUR in the reader's language; nothing for None."""

from django import template

from licensing.pricing.money import format_money

register = template.Library()


@register.filter
def money(amount):
    return format_money(amount)


@register.filter
def money_signed(amount):
    return format_money(amount, signed=True)
