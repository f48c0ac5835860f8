"""The back office for customers, contacts and their roles.

Every write goes through portal.services, as in the portal: a customer's last Beheerder cannot be
deleted, demoted or cascaded away here either (single delete, "delete selected", the inlines,
deleting the contact or its user). A refusal rolls back the whole request and is shown as an error.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy

from . import security, services
from .models import Contact, Customer, Membership, Role, SecurityEvent


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes call services; a refusal (`refusals`, each with a `message`) undoes
    everything the request did and comes back as an error message on the page it came from."""

    refusals: tuple[type[Exception], ...] = (services.ContactError,)

    def _refused(self, request, error) -> HttpResponseRedirect:
        self.message_user(request, error.message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            # Django runs the form view in a transaction already; the refusal leaves it rolled back.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.refusals as error:
            return self._refused(request, error)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except self.refusals as error:
            return self._refused(request, error)

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        try:
            # Actions ("delete selected") are all or nothing, their log entries included.
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except self.refusals as error:
            return self._refused(request, error)


class ReadOnlyAdmin:
    """Mixin of a back-office page vendor staff look at and nobody edits there: an audit record, the
    data a snapshot import wrote, the nightly job's runs. Before `admin.ModelAdmin` or an inline."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipForm(forms.ModelForm):
    """Of an existing membership only the role changes; contact and customer stay what they are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("contact", "customer"):
                if name in self.fields:
                    self.fields[name].disabled = True


def _save_membership(request, membership: Membership, *, adding: bool) -> None:
    if adding:
        saved = services.add_membership(
            contact=membership.contact,
            customer=membership.customer,
            role=membership.role,
            by=request.user,
            ip=security.client_ip(request),
        )
        # The admin goes on with the object of its form (log entry, redirect): make it the saved one.
        membership.pk, membership.created_at = saved.pk, saved.created_at
        membership._state.adding = False
    else:
        services.change_role(
            membership=membership, role=membership.role, by=request.user, ip=security.client_ip(request)
        )


def _promotions_first(membership: Membership) -> bool:
    return membership.role != Role.BEHEERDER


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["contact", "customer"]


class MembershipsThroughServices(ServiceAdmin):
    """Saves the MembershipInline through the services: additions and promotions first, then demotions,
    then removals, so that one form that appoints a new Beheerder and removes the old one goes through."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for membership in formset.new_objects:
            _save_membership(request, membership, adding=True)
        changed = [membership for membership, fields in formset.changed_objects if "role" in fields]
        for membership in sorted(changed, key=_promotions_first):
            _save_membership(request, membership, adding=False)
        for membership in formset.deleted_objects:
            services.remove_contact(membership=membership, by=request.user, ip=security.client_ip(request))


@admin.register(Customer)
class CustomerAdmin(MembershipsThroughServices):
    list_display = ["number", "name", "is_active", "mfa_required", "created_at"]
    list_filter = ["is_active", "mfa_required"]
    search_fields = ["number", "name"]
    # The customer's own decision, changed only through portal.services.set_mfa_required (the Beheerder's
    # form); vendor staff require it for everyone with the setting MFA_REQUIRED.
    readonly_fields = ["mfa_required"]
    inlines = [MembershipInline]


@admin.register(Contact)
class ContactAdmin(MembershipsThroughServices):
    list_display = ["name", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "user__email", "memberships__customer__number"]
    autocomplete_fields = ["user"]
    inlines = [MembershipInline]

    def delete_model(self, request, obj):
        services.delete_contact(contact=obj, by=request.user, ip=security.client_ip(request))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for contact in queryset.order_by("pk"):
                services.delete_contact(contact=contact, by=request.user, ip=security.client_ip(request))


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    form = MembershipForm
    list_display = ["contact", "customer", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["contact__user", "customer"]
    search_fields = ["contact__name", "contact__user__email", "customer__number", "customer__name"]
    autocomplete_fields = ["contact", "customer"]

    def save_model(self, request, obj, form, change):
        _save_membership(request, obj, adding=not change)

    def delete_model(self, request, obj):
        services.remove_contact(membership=obj, by=request.user, ip=security.client_ip(request))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for membership in queryset.order_by("customer_id", "pk"):
                services.remove_contact(
                    membership=membership, by=request.user, ip=security.client_ip(request)
                )


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "customer", "kind", "actor_name", "subject", "ip_address"]
    list_filter = ["kind"]
    list_select_related = ["customer"]
    search_fields = ["customer__number", "actor_name", "subject", "ip_address"]
    date_hierarchy = "created_at"


# The back office carries the portal's name, not "Django administration".
admin.site.site_header = gettext_lazy("Licentieportaal — back office")
admin.site.site_title = gettext_lazy("Licentieportaal back office")
admin.site.index_title = gettext_lazy("Klanten, licenties en meldingen")

# Deleting an account deletes its contact and memberships with it: through the same guard.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PortalUserAdmin(ServiceAdmin, UserAdmin):
    def delete_model(self, request, obj):
        services.delete_user(user=obj, by=request.user, ip=security.client_ip(request))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for user in queryset.order_by("pk"):
                services.delete_user(user=user, by=request.user, ip=security.client_ip(request))
