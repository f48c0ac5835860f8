"""E-mails to contacts: the invitation with its set-password link."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

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
