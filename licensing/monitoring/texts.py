"""What a warning says, rendered from its kind and parameters in the language active when it is read.

A warning stores no sentence: the nightly job stores its kind and the numbers and names it found
(`LicenseWarning.params`), and the page, the e-mail and the API render them here, each in its reader's
language. The built-in signal's name is a message id too, so it reads in both languages.
"""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop

from environments.vocabulary import Item, Scope

# The built-in signal: no customer, applies to every customer; a Beheerder adjusts a copy.
BUILTIN_SIGNAL_NAME = gettext_noop("Bijna geen Profit-gebruikers meer beschikbaar (per omgevingstype)")


def signal_name(name: str, *, builtin: bool) -> str:
    """The built-in signal's name in the reader's language; a customer's own signal as it was named."""
    return gettext(BUILTIN_SIGNAL_NAME) if builtin else name


def line_label(item: str, scope: str) -> str:
    try:
        return f"{Item(item).label} ({Scope(scope).label})"
    except ValueError:  # an item or scope the vocabulary no longer has: shown as stored
        return f"{item} ({scope})"


def deviation_params(*, item: str, scope: str, portal: int, maximum: int) -> dict:
    return {"item": item, "scope": scope, "portal": portal, "maximum": maximum}


def over_use_params(*, item: str, scope: str, in_use: int, maximum: int) -> dict:
    return {"item": item, "scope": scope, "in_use": in_use, "maximum": maximum}


def stale_data_params(*, code: str, taken_at: datetime | None, hours: int) -> dict:
    return {"code": code, "taken_at": taken_at.isoformat() if taken_at else None, "hours": hours}


def signal_params(*, item: str, scope: str, name: str, builtin: bool, available: int, threshold: int) -> dict:
    return {
        "item": item,
        "scope": scope,
        "signal": name,
        "builtin": builtin,
        "available": max(available, 0),
        "threshold": threshold,
    }


def _when(iso: str) -> str:
    return formats.date_format(timezone.localtime(datetime.fromisoformat(iso)), "DATETIME_FORMAT")


def warning_text(kind: str, params: dict) -> str:
    """The sentence of a warning of `kind` with `params`, in the active language; "" when the kind or
    its parameters are not what this version writes (the page still shows the kind and the line)."""
    try:
        return _text(kind, dict(params))
    except (KeyError, TypeError, ValueError):
        return ""


def _text(kind: str, p: dict) -> str:
    if "item" in p:
        p["line"] = line_label(p["item"], p.get("scope", ""))
    if kind == "deviation":
        return (
            gettext(
                "%(line)s: het portaal toonde %(portal)s, u heeft feitelijk recht op %(maximum)s. "
                "Het portaalaantal is bijgewerkt naar %(maximum)s."
            )
            % p
        )
    if kind == "over_use":
        return (
            gettext(
                "%(line)s: %(in_use)s in gebruik, terwijl u recht heeft op %(maximum)s. Verlaag het "
                "gebruik of verhoog de licentie."
            )
            % p
        )
    if kind == "stale_data":
        if not p.get("taken_at"):
            return (
                gettext(
                    "Van omgeving %(code)s zijn nog nooit gegevens ontvangen: de geplande verversing van de "
                    "licentiegegevens draait niet. Controleer of de taak in de omgeving is ingepland en of "
                    "de omgeving het portaal kan bereiken."
                )
                % p
            )
        return gettext(
            "De gegevens van omgeving %(code)s zijn van %(taken)s, ouder dan %(hours)s uur: de "
            "geplande verversing van de licentiegegevens draait niet. Controleer of de taak in de "
            "omgeving is ingepland en of de omgeving het portaal kan bereiken."
        ) % {**p, "taken": _when(p["taken_at"])}
    if kind == "signal":
        p["signal"] = signal_name(p.get("signal", ""), builtin=bool(p.get("builtin")))
        return gettext("%(signal)s — %(line)s: nog %(available)s beschikbaar (drempel %(threshold)s).") % p
    return ""
