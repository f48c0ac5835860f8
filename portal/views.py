from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.tokens import default_token_generator as django_token_generator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import confirm, selectors, services, sessions
from .emails import set_password_path
from .forms import ROLE_CHOICES, InviteForm, MfaPolicyForm, RoleForm
from .models import Role
from .pages import for_current_customer, page_of, recent_login_required
from .redirects import next_url
from .security import client_ip, describe, events_of
from .selectors import as_id

INVALID_ROLE = gettext_lazy("Kies een geldige rol.")
INVITED_NEW = gettext_lazy(
    "%(email)s is uitgenodigd; er is een e-mail verstuurd met een link om een wachtwoord in te stellen."
)
INVITED_EXISTING = gettext_lazy(
    "%(email)s had al een account en is nu ook contactpersoon van deze klant; er is een e-mail "
    "verstuurd. Het account en zijn wachtwoord zijn niet gewijzigd."
)
MFA_POLICY_ON = gettext_lazy(
    "Tweestapsverificatie is nu verplicht voor alle contactpersonen van deze klant. Wie die nog niet heeft, "
    "stelt haar in bij de volgende pagina die hij opent."
)
MFA_POLICY_OFF = gettext_lazy(
    "Tweestapsverificatie is niet langer verplicht voor de contactpersonen van deze klant."
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
                customer=membership.customer,
                by=membership.contact,
                ip=client_ip(request),
                **form.cleaned_data,
            )
        except services.ContactError as error:
            form.add_error("email", error.message)
        else:
            template = INVITED_NEW if invited.new_account else INVITED_EXISTING
            messages.success(request, template % {"email": invited.membership.contact.email})
            return redirect("portal:contacts")
    return _render_contacts(request, membership, form, status=400)


@require_POST
@for_current_customer(change=True)
@recent_login_required
def change_role(request: HttpRequest, membership, membership_id: int) -> HttpResponse:
    target = selectors.customer_membership_for(request, membership_id, change=True)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, INVALID_ROLE)
        return redirect("portal:contacts")
    role = form.cleaned_data["role"]
    promotes = role == Role.BEHEERDER and not target.is_beheerder
    if promotes and (asking := _beheerder_confirmation(request, target)):
        return asking
    try:
        changed = services.change_role(
            membership=target, role=role, by=request.user.contact, ip=client_ip(request)
        )
    except services.ContactError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s heeft nu de rol %(role)s.")
            % {"name": changed.contact.name, "role": changed.get_role_display()},
        )
    return redirect(_contact_row(target))


@require_POST
def resend_invitation(request: HttpRequest, membership_id: int) -> HttpResponse:
    """A Beheerder sends a pending invitation again (the contacts page shows which are pending)."""
    target = selectors.customer_membership_for(request, membership_id, change=True)
    try:
        services.resend_invitation(membership=target, by=request.user.contact)
    except services.ContactError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("De uitnodiging is opnieuw verstuurd naar %(email)s.") % {"email": target.contact.user.email},
        )
    return redirect(_contact_row(target))


@require_POST
def remove_contact(request: HttpRequest, membership_id: int) -> HttpResponse:
    target = selectors.customer_membership_for(request, membership_id, change=True)
    if asking := _removal_confirmation(request, target):
        return asking
    try:
        services.remove_contact(membership=target, by=request.user.contact, ip=client_ip(request))
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


def _contact_row(membership) -> str:
    return f"{reverse('portal:contacts')}#contact-{membership.pk}"


def _team(customer) -> tuple[int, int]:
    """How many contacts the customer has, and how many of them are Beheerder."""
    roles = list(selectors.customer_contacts(customer).values_list("role", flat=True))
    return len(roles), roles.count(Role.BEHEERDER)


def _beheerder_confirmation(request: HttpRequest, target) -> HttpResponse | None:
    contacts, beheerders = _team(target.customer)
    state = f"{target.role}:{beheerders}"
    if confirm.is_confirmed(request, state):
        return None
    names = {"name": target.contact.name, "email": target.contact.email, "customer": target.customer}
    return confirm.confirmation(
        request,
        title=_("%(name)s Beheerder maken?") % names,
        consequences=[
            _("%(name)s (%(email)s) wordt Beheerder van %(customer)s.") % names,
            _(
                "Een Beheerder mag licentieaantallen wijzigen (een verhoging verhoogt de licentiekosten), "
                "gebruikers blokkeren, contactpersonen uitnodigen en verwijderen en andere Beheerders "
                "aanstellen."
            ),
            _("Beheerders: van %(before)s naar %(after)s.") % {"before": beheerders, "after": beheerders + 1},
        ],
        fields={"role": Role.BEHEERDER},
        state=state,
        button=_("Beheerder maken"),
        cancel_url=_contact_row(target),
    )


def _removal_confirmation(request: HttpRequest, target) -> HttpResponse | None:
    contacts, beheerders = _team(target.customer)
    state = f"{target.role}:{contacts}:{beheerders}"
    if (target.is_beheerder and beheerders == 1) or confirm.is_confirmed(request, state):
        return None  # the last Beheerder: the service refuses it, nothing to confirm
    names = {"name": target.contact.name, "email": target.contact.email, "customer": target.customer}
    consequences = [
        _(
            "%(name)s (%(email)s) is daarna geen contactpersoon van %(customer)s meer "
            "en werkt niet meer namens %(customer)s in het portaal."
        )
        % names,
        _("Contactpersonen: van %(before)s naar %(after)s.") % {"before": contacts, "after": contacts - 1},
    ]
    if target.is_beheerder:
        consequences.append(
            _("Beheerders: van %(before)s naar %(after)s.") % {"before": beheerders, "after": beheerders - 1}
        )
    if target.contact_id == request.user.contact.pk:
        consequences.append(_("U verwijdert uzelf: daarna kunt u niet meer voor deze klant werken."))
    return confirm.confirmation(
        request,
        title=_("%(name)s verwijderen?") % names,
        consequences=consequences,
        fields={},
        state=state,
        button=_("Verwijderen"),
        cancel_url=_contact_row(target),
    )


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


SECURITY_EVENTS_PER_PAGE = 50


@require_safe
@for_current_customer(change=True)
def security_log(request: HttpRequest, membership) -> HttpResponse:
    """The customer's security log, newest first: for its Beheerders only (a Medewerker gets 403)."""
    page = page_of(request, events_of(membership.customer), SECURITY_EVENTS_PER_PAGE)
    rows = [(event, describe(event)) for event in page.object_list]
    return render(request, "portal/security_log.html", {"page": page, "rows": rows})


@require_http_methods(["GET", "HEAD", "POST"])
def account_sessions(request: HttpRequest) -> HttpResponse:
    """The contact's own sessions (browsers where it is logged in), with "log out everywhere else"."""
    if request.method == "POST":
        ended = sessions.end_other_sessions(request=request)
        messages.success(request, _("Uitgelogd op %(count)s andere plaats(en).") % {"count": ended})
        return redirect("portal:sessions")
    return render(request, "portal/account_sessions.html", {"sessions": sessions.sessions_of(request)})


@require_safe
def security(request: HttpRequest) -> HttpResponse:
    """Beveiliging: the contact's own two-step verification (app, recovery codes, security keys), its
    password, and for a Beheerder the customer's policy."""
    contact = selectors.contact_for(request)
    try:
        membership = selectors.current_membership(request)
    except selectors.CustomerNotChosen:
        membership = None
    context = {
        **selectors.second_steps_of(request.user),
        "contact": contact,
        "membership": membership,
        "must_set_up": selectors.mfa_required_for(request.user),
    }
    return render(request, "portal/security.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@for_current_customer(change=True)
@recent_login_required
def mfa_policy(request: HttpRequest, membership) -> HttpResponse:
    """The customer's "tweestapsverificatie verplicht", switched by its Beheerder after a confirmation
    (and a re-authentication when the login is not recent)."""
    customer = membership.customer
    form = MfaPolicyForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        required = form.cleaned_data["required"]
        services.set_mfa_required(
            customer=customer, required=required, by=membership.contact, ip=client_ip(request)
        )
        messages.success(request, MFA_POLICY_ON if required else MFA_POLICY_OFF)
        return redirect("portal:security")
    context = {"membership": membership, "form": form, **selectors.mfa_policy_of(customer)}
    return render(request, "portal/mfa_policy.html", context, status=400 if form.is_bound else 200)


class LoginView(allauth_views.LoginView):
    """allauth's login; the page carries only a `next` the portal would follow."""

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "next": next_url(self.request, default="")}


login = LoginView.as_view()


@login_not_required
@require_safe
def legacy_set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """A set-password link in Django's format, e-mailed before the login moved to allauth: while it is
    still valid it leads to allauth's form with a fresh link of its own, else to the page that says the
    link has expired."""
    user_model = get_user_model()
    try:
        user_id = as_id(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        user_id = None
    user = user_model._default_manager.filter(pk=user_id).first() if user_id else None
    if user is None or not django_token_generator.check_token(user, token):
        return render(request, "account/password_reset_from_key.html", {"token_fail": True})
    return redirect(set_password_path(user))


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
