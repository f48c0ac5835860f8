"""Views of the licensing pages; every page acts for the customer chosen in the session."""

from functools import wraps

from django.core.paginator import Page, Paginator

from portal.selectors import contact_for, current_membership


def for_current_customer(*, change: bool = False):
    """Call `view(request, membership, ...)` with the membership of the customer the request acts for.

    A contact of several customers that chose none yet goes to "Organisatie kiezen" first (through
    portal.middleware.ChooseCustomerMiddleware); with `change`, a contact that is not Beheerder of
    that customer gets 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            return view(request, current_membership(request, change=change), *args, **kwargs)

        return wrapper

    return decorator


def page_of(request, rows, per_page: int) -> Page:
    """The page `?page=` asks for, clamped to the first or the last page; anything that is not a whole
    number is the first. A page number never answers 404 (Django's `get_page` sends 0 and -1 to the
    last page)."""
    try:
        number = int(request.GET.get("page", ""))
    except ValueError:  # also a number of more digits than int() reads
        number = 1
    return Paginator(rows, per_page).get_page(max(number, 1))


__all__ = ["contact_for", "for_current_customer", "page_of"]
