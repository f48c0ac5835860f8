"""The back office's price lists: per edition and item, the tiers, the mode and the date it takes effect."""

from django import forms
from django.contrib import admin

from portal.admin import ServiceAdmin

from . import services
from .models import PriceList, PriceTier
from .tiers import tier_problems


class PriceTierFormSet(forms.BaseInlineFormSet):
    """The tiers of one list checked together, with the service's own rule (start at 1, no repeated
    from-quantity, no negative price), before anything is written."""

    def clean(self):
        # Before the formset's own checks, so that a repeated from-quantity reads as our rule says it.
        tiers = [
            (form.cleaned_data.get("from_quantity"), form.cleaned_data.get("unit_price"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if problems := tier_problems(tiers):
            raise forms.ValidationError(problems)
        super().clean()


class PriceTierInline(admin.TabularInline):
    model = PriceTier
    formset = PriceTierFormSet
    extra = 3
    fields = ["from_quantity", "unit_price"]


@admin.register(PriceList)
class PriceListAdmin(ServiceAdmin):
    refusals = (services.PricingError,)
    list_display = ["edition", "item", "mode", "valid_from", "currency"]
    list_filter = ["edition", "item", "mode"]
    date_hierarchy = "valid_from"
    fields = ["edition", "item", "mode", "valid_from", "currency"]
    readonly_fields = ["currency"]
    inlines = [PriceTierInline]

    def save_model(self, request, obj, form, change):
        # Saved with its tiers in save_related, through the service.
        pass

    def save_related(self, request, form, formsets, change):
        tiers = []
        for formset in formsets:
            if formset.model is PriceTier:
                tiers = [
                    (item.cleaned_data["from_quantity"], item.cleaned_data["unit_price"])
                    for item in formset.forms
                    if item.cleaned_data and not item.cleaned_data.get("DELETE")
                ]
                # The change message reads these; the service replaced the tiers as a whole.
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        services.price_list_save(price_list=form.instance, tiers=tiers)

    def delete_model(self, request, obj):
        services.price_list_delete(price_list=obj)

    def delete_queryset(self, request, queryset):
        for price_list in queryset:
            services.price_list_delete(price_list=price_list)
