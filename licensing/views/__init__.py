"""Views of the licensing pages; every page acts for the customer chosen in the session."""

from functools import wraps

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


__all__ = ["contact_for", "for_current_customer"]
