"""What every portal page needs, whichever app it belongs to: the customer it acts for, and pages of
a long list."""

from functools import wraps

from django.core.paginator import Page, Paginator

from .selectors import current_membership


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
