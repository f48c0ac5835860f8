"""The one rule that turns an e-mail address into the username of its account.

Every contact's username is its e-mail address, normalised. Inviting, logging in and resetting a
password all go through `username_for`, so an address typed in another case or with spaces
around it always finds the same account, and nothing is ever stored that Django's own username
validation would refuse.
"""

import unicodedata

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

UNUSABLE_ADDRESS = _(
    "Dit e-mailadres kan niet als inlognaam dienen. Gebruik een adres van hoogstens 150 tekens met "
    "alleen letters, cijfers en de tekens . _ - + @ (dus geen IP-adres tussen haken)."
)


def username_for(email: str) -> str:
    """The username of the account of `email`: trimmed, NFKC-normalised and in lower case.

    Raises ValidationError(UNUSABLE_ADDRESS) when the result would not be both a valid e-mail
    address and a username the User model accepts (its own validators, e.g. `a@[127.0.0.1]`, or
    more than 150 characters).
    """
    # NFKC is what the User model applies to a username itself (AbstractBaseUser.normalize_username).
    username = unicodedata.normalize("NFKC", email.strip()).lower()
    field = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    try:
        if not username or unicodedata.normalize("NFKC", username) != username:
            raise ValidationError(UNUSABLE_ADDRESS)
        validate_email(username)
        field.run_validators(username)
    except ValidationError:
        raise ValidationError(UNUSABLE_ADDRESS, code="unusable_address") from None
    return username


def record_email_address(user) -> None:
    """Give an account whose address has no allauth EmailAddress yet its address as the verified primary one.

    Accounts come by invitation: the invitation (or the reset link) reaches the address before the first
    login, which is the verification. An address another account already holds as verified stays
    unverified here (allauth allows a verified address once).
    """
    email = user.email.strip().lower()
    if not email or EmailAddress.objects.filter(user=user).exists():
        return
    taken = EmailAddress.objects.filter(email=email, verified=True).exists()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=not taken)
