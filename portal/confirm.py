"""A confirmation step for a change that costs money or access, without JavaScript.

The change's form posts once; the view answers with a page that states the consequence in numbers and
repeats the form's fields hidden, with `confirm=1` and `state`: what the consequence was computed from.
Only a post that confirms the current state goes through. When the data changed in between (another
Beheerder, the nightly job), the page is shown again with the new numbers: a stale confirmation never
carries a change. The service still checks every rule when the change is made.
"""

from collections.abc import Iterable, Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

CONFIRM = "confirm"
STATE = "state"
STALE = _("De gegevens zijn intussen gewijzigd. Bekijk de nieuwe aantallen en bevestig opnieuw.")


def is_confirmed(request: HttpRequest, state: str) -> bool:
    """True when the post confirms exactly this state of the data."""
    return request.POST.get(CONFIRM) == "1" and request.POST.get(STATE) == state


def confirmation(
    request: HttpRequest,
    *,
    title: str,
    consequences: Iterable[str],
    fields: Mapping[str, object],
    state: str,
    button: str,
    cancel_url: str,
    anchor: str = "",
) -> HttpResponse:
    """The page that asks to confirm: `consequences` as a list, `fields` posted again unchanged."""
    stale = request.POST.get(CONFIRM) == "1"
    return render(
        request,
        "portal/confirm.html",
        {
            "title": title,
            "consequences": list(consequences),
            "fields": [(name, "" if value is None else value) for name, value in fields.items()],
            "state": state,
            "button": button,
            "cancel_url": cancel_url,
            "stale": STALE if stale else "",
            "action": request.get_full_path(),
            "anchor": anchor,
        },
        status=409 if stale else 200,
    )
