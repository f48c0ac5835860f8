"""The portal's languages: Dutch by default, English on request."""

from django.conf import settings
from django.utils import translation


def supported_language(code: str | None) -> str:
    """`code` as one of settings.LANGUAGES (a variant such as en-gb becomes en); the default otherwise."""
    try:
        return translation.get_supported_language_variant(code) if code else settings.LANGUAGE_CODE
    except LookupError:
        return settings.LANGUAGE_CODE
