"""Money in the reader's language: € 1.234,50 in Dutch, €1,234.50 in English, one formatter everywhere."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from licensing.pricing.money import format_money

CASES = [
    # amount, Dutch, English
    (Decimal("1234.5"), "€ 1.234,50", "€1,234.50"),
    (Decimal("412.50"), "€ 412,50", "€412.50"),
    (Decimal("0"), "€ 0,00", "€0.00"),
    (Decimal("0.05"), "€ 0,05", "€0.05"),
    (Decimal("1000000"), "€ 1.000.000,00", "€1,000,000.00"),
    (Decimal("-38.50"), "− € 38,50", "−€38.50"),
]


@pytest.mark.parametrize(("amount", "dutch", "english"), CASES)
def test_it_formats_an_amount_in_both_languages(amount, dutch, english):
    assert format_money(amount, language="nl") == dutch
    assert format_money(amount, language="en") == english


def test_a_difference_carries_its_sign():
    assert format_money(Decimal("38.50"), language="nl", signed=True) == "+ € 38,50"
    assert format_money(Decimal("38.50"), language="en", signed=True) == "+€38.50"
    assert format_money(Decimal("-38.50"), language="nl", signed=True) == "− € 38,50"


def test_no_price_is_no_text_not_zero():
    assert format_money(None) == ""


def test_the_template_filter_follows_the_active_language():
    template = Template("{% load money %}{{ amount|money }}|{{ amount|money_signed }}")
    with translation.override("nl"):
        assert template.render(Context({"amount": Decimal("1234.5")})) == "€ 1.234,50|+ € 1.234,50"
    with translation.override("en"):
        assert template.render(Context({"amount": Decimal("1234.5")})) == "€1,234.50|+€1,234.50"
    with translation.override("en-gb"):
        assert template.render(Context({"amount": None})) == "|"
