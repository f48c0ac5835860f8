from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import selectors, services
from .forms import ROLE_CHOICES, InviteForm, RoleForm
from .redirects import next_url

INVALID_ROLE = gettext_lazy("Kies een geldige rol.")
INVITED_NEW = gettext_lazy(
    "%(email)s is uitgenodigd; er is een e-mail verstuurd met een link om een wachtwoord in te stellen."
)
INVITED_EXISTING = gettext_lazy(
    "%(email)s had al een account en is nu ook contactpersoon van deze klant; er is een e-mail "
    "verstuurd. Het account en zijn wachtwoord zijn niet gewijzigd."
)


@require_http_methods(["GET", "HEAD", "POST"])
def choose_customer(request: HttpRequest) -> HttpResponse:
    contact = selectors.contact_for(request)
    following = next_url(request)
    if request.method == "POST":
        membership = selectors.membership_for(contact, request.POST.get("customer"))
        request.session[selectors.SESSION_CUSTOMER_KEY] = membership.customer_id
        messages.success(request, _("U werkt nu voor %(customer)s.") % {"customer": membership.customer})
        return HttpResponseRedirect(following)
    memberships = selectors.memberships_of(contact).order_by("customer__number")
    return render(request, "portal/choose_customer.html", {"memberships": memberships, "next": following})


@require_safe
def contacts(request: HttpRequest) -> HttpResponse:
    membership = selectors.current_membership(request)
    return _render_contacts(request, membership, InviteForm())


@require_POST
def invite_contact(request: HttpRequest) -> HttpResponse:
    membership = selectors.current_membership(request, change=True)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invited = services.invite_contact(
                customer=membership.customer, by=membership.contact, **form.cleaned_data
            )
        except services.ContactError as error:
            form.add_error("email", error.message)
        else:
            template = INVITED_NEW if invited.new_account else INVITED_EXISTING
            messages.success(request, template % {"email": invited.membership.contact.email})
            return redirect("portal:contacts")
    return _render_contacts(request, membership, form, status=400)


@require_POST
def change_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    target = selectors.customer_membership_for(request, membership_id, change=True)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, INVALID_ROLE)
        return redirect("portal:contacts")
    try:
        changed = services.change_role(
            membership=target, role=form.cleaned_data["role"], by=request.user.contact
        )
    except services.ContactError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s heeft nu de rol %(role)s.")
            % {"name": changed.contact.name, "role": changed.get_role_display()},
        )
    return redirect("portal:contacts")


@require_POST
def remove_contact(request: HttpRequest, membership_id: int) -> HttpResponse:
    target = selectors.customer_membership_for(request, membership_id, change=True)
    try:
        services.remove_contact(membership=target, by=request.user.contact)
    except services.ContactError as error:
        messages.error(request, error.message)
        return redirect("portal:contacts")
    messages.success(
        request,
        _("%(name)s is geen contactpersoon van %(customer)s meer.")
        % {"name": target.contact.name, "customer": target.customer},
    )
    if target.contact_id != request.user.contact.pk:
        return redirect("portal:contacts")
    # Someone who removed itself has no contacts page of this customer any more, and without any
    # customer left nothing to see at all: it is logged out (and the login says why if it returns).
    if not selectors.memberships_of(request.user.contact).exists():
        logout(request)
    return redirect("dashboard")


def _render_contacts(request, membership, invite_form, status=200) -> HttpResponse:
    memberships = list(selectors.customer_contacts(membership.customer))
    beheerders = [member.pk for member in memberships if member.is_beheerder]
    context = {
        "membership": membership,
        "memberships": memberships,
        # The only Beheerder gets no remove button and no demotion: the service would refuse both.
        "last_beheerder_id": beheerders[0] if len(beheerders) == 1 else None,
        "can_manage": membership.is_beheerder,
        "invite_form": invite_form,
        "role_choices": ROLE_CHOICES,
    }
    return render(request, "portal/contacts.html", context, status=status)


class NextMixin:
    """Django's login and logout views, reading `next` the way every other view does."""

    def get_redirect_url(self) -> str:
        # An empty answer makes the view use its own default (LOGIN_REDIRECT_URL, LOGOUT_REDIRECT_URL).
        return next_url(self.request, default="")


class LoginView(NextMixin, auth_views.LoginView):
    pass


class LogoutView(NextMixin, auth_views.LogoutView):
    pass


@login_not_required
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, back to the page it came from when that is a page of ours. It works on
    the login page too, before anyone is logged in."""
    response = i18n.set_language(request)
    if isinstance(response, HttpResponseRedirect):
        response["Location"] = next_url(request)
    if request.method == "POST" and request.user.is_authenticated:
        # Remembered for the e-mails the contact gets (the nightly warnings, written in no request).
        services.contact_remember_language(user=request.user, language=request.POST.get("language", ""))
    return response
