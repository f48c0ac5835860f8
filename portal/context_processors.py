from functools import cached_property

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

from .models import Contact, Membership
from .selectors import SESSION_CUSTOMER_KEY, beheerder_names, memberships_of


class PortalHeader:
    """What the page header shows: the customer the contact acts for and whether it can switch.

    Read lazily, in one query, and only when a template asks; it never raises, so every page
    (the login page and error pages too) renders. What a page may show is decided by the view's
    access call, not by this.
    """

    def __init__(self, request: HttpRequest):
        self.request = request

    @cached_property
    def memberships(self) -> list[Membership]:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        try:
            contact = user.contact
        except Contact.DoesNotExist:
            return []
        memberships = memberships_of(contact).order_by("customer__number")
        # What the apps add to the header (the menu's count of open items), as subqueries of this
        # same query: named in settings, since the tenancy core imports no other app.
        for name, path in settings.PORTAL_HEADER_ANNOTATIONS.items():
            memberships = memberships.annotate(**{name: import_string(path)()})
        return list(memberships)

    @cached_property
    def membership(self) -> Membership | None:
        chosen = self.request.session.get(SESSION_CUSTOMER_KEY) if hasattr(self.request, "session") else None
        for membership in self.memberships:
            if membership.customer_id == chosen:
                return membership
        return self.memberships[0] if len(self.memberships) == 1 else None

    @property
    def customer(self):
        return self.membership.customer if self.membership else None

    @cached_property
    def beheerders(self) -> str:
        """The Beheerders' names, for a page that tells a Medewerker who may do what it may not:
        read only when a template asks."""
        return ", ".join(beheerder_names(self.customer)) if self.customer else ""

    @property
    def can_switch(self) -> bool:
        return len(self.memberships) > 1


def portal(request: HttpRequest) -> dict:
    return {"portal": PortalHeader(request)}
