from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "licensing.pricing"
    label = "pricing"
    verbose_name = _("Prijzen")
