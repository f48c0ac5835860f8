"""Money as the reader reads it: € 1.234,50 in Dutch, €1,234.50 in English. The one formatter of amounts
(the `money` template filter, the preview sentences)."""

from decimal import Decimal

from django.utils import numberformat, translation

# Per language: symbol before the number, with or without a space; decimal and thousands separators.
STYLES = {"nl": ("€ ", ",", "."), "en": ("€", ".", ",")}


def format_money(amount: Decimal | None, *, language: str | None = None, signed: bool = False) -> str:
    """`amount` in EUR with two decimals in `language` (the active one by default); "" for None (no
    price is not €0). `signed` puts + or − before it, as a difference reads: "+ € 38,50"."""
    if amount is None:
        return ""
    language = (language or translation.get_language() or "nl").split("-")[0]
    symbol, decimal_sep, thousand_sep = STYLES.get(language, STYLES["nl"])
    number = numberformat.format(
        abs(Decimal(amount)),
        decimal_sep,
        decimal_pos=2,
        grouping=3,
        thousand_sep=thousand_sep,
        force_grouping=True,
        use_l10n=False,
    )
    text = f"{symbol}{number}"
    if amount < 0:
        sign = "−"
    elif signed:
        sign = "+"
    else:
        return text
    # Dutch keeps the space after the sign as after the symbol: "+ € 38,50"; English: "+€38.50".
    return f"{sign}{' ' if symbol.endswith(' ') else ''}{text}"
