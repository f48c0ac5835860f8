"""E-mails to contacts: the invitation with its set-password link, and the password-reset link."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .accounts import username_for
from .models import Contact, Membership


def set_password_path(user) -> str:
    """The path of allauth's password reset form for `user`: valid once, for PASSWORD_RESET_TIMEOUT."""
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )


def set_password_url(user) -> str:
    return settings.SITE_URL.rstrip("/") + set_password_path(user)


def send_invitation(*, membership_id: int, invited_by_id: int | None) -> bool:
    """E-mail the contact of `membership_id` that it may now act for the customer.

    Someone without a password yet gets a link to set one; someone with a password a link to log in.
    Returns False when the membership is gone by the time the e-mail would be sent.
    """
    membership = (
        Membership.objects.select_related("contact__user", "customer").filter(pk=membership_id).first()
    )
    if membership is None:
        return False
    user = membership.contact.user
    invited_by = Contact.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    context = {
        "membership": membership,
        "contact": membership.contact,
        "customer": membership.customer,
        "invited_by": invited_by,
        "set_password_url": None if user.has_usable_password() else set_password_url(user),
        "login_url": settings.SITE_URL.rstrip("/") + reverse("login"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("portal/email/invitation_subject.txt", context).strip()
        body = render_to_string("portal/email/invitation_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return True


def password_reset_accounts(email: str) -> list:
    """The accounts a reset for the typed `email` goes to: by the username rule, active, a contact (an
    invited contact that never set a password too). Vendor staff reset theirs in the back office."""
    try:
        username = username_for(email)
    except ValidationError:
        return []
    return list(
        get_user_model()._default_manager.filter(username=username, is_active=True, contact__isnull=False)
    )


def send_password_reset(*, email: str, language: str) -> int:
    """E-mail a reset link to each account of the typed `email` (to the address stored on the account);
    the number sent. Run by a task: the request that asked does the same for a known and an unknown
    address, and its answer and time say nothing about which it was."""
    accounts = password_reset_accounts(email)
    with translation.override(language):
        for user in accounts:
            context = {"user": user, "email": user.email, "password_reset_url": set_password_url(user)}
            subject = render_to_string("account/email/password_reset_key_subject.txt", context)
            body = render_to_string("account/email/password_reset_key_message.txt", context)
            send_mail(" ".join(subject.split()), body, None, [user.email])
    return len(accounts)
