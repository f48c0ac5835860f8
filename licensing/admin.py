from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import License, LicenseLine, LicenseMutation, LicenseRequest


class LicenseLineInline(admin.TabularInline):
    model = LicenseLine
    extra = 0
    fields = ["item", "scope", "maximum", "portal", "in_use", "counted_at"]
    readonly_fields = ["in_use", "counted_at"]


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ["customer", "edition", "flex", "counted_at"]
    list_filter = ["edition", "flex"]
    list_select_related = ["customer"]
    search_fields = ["customer__number", "customer__name"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["counted_at"]
    inlines = [LicenseLineInline]


@admin.register(LicenseLine)
class LicenseLineAdmin(admin.ModelAdmin):
    list_display = ["license", "item", "scope", "maximum", "portal", "in_use", "counted_at"]
    list_filter = ["item", "scope", "license__edition"]
    list_select_related = ["license__customer"]
    search_fields = ["=license__customer__number", "license__customer__name"]
    readonly_fields = ["in_use", "counted_at"]
    autocomplete_fields = ["license"]


@admin.register(LicenseMutation)
class LicenseMutationAdmin(admin.ModelAdmin):
    """The audit trail: read-only for everybody."""

    list_display = [
        "created_at",
        "customer",
        "line",
        "old_maximum",
        "old_portal",
        "new_quantity",
        "by",
        "source",
    ]
    list_filter = ["source", "acknowledged_deviation"]
    list_select_related = ["customer", "line__license__customer"]
    search_fields = ["=customer__number", "by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RejectionForm(forms.Form):
    reason = forms.CharField(label=_("Reden van afwijzing"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(LicenseRequest)
class LicenseRequestAdmin(admin.ModelAdmin):
    """Vendor staff decide on license requests here, with the approve and reject actions."""

    list_display = ["created_at", "customer", "subject_or_line", "desired_quantity", "status", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["customer", "line__license__customer", "requested_by"]
    search_fields = ["=customer__number", "customer__name", "subject"]
    date_hierarchy = "created_at"
    actions = ["approve_requests", "reject_requests"]
    fields = [
        "customer",
        "line",
        "subject",
        "desired_quantity",
        "motivation",
        "requested_by",
        "created_at",
        "status",
        "decided_at",
        "decided_by",
        "rejection_reason",
    ]
    readonly_fields = fields

    @admin.display(description=_("onderwerp"))
    def subject_or_line(self, obj):
        return obj.line or obj.subject

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Geselecteerde aanvragen goedkeuren"), permissions=["change"])
    def approve_requests(self, request, queryset):
        decided = 0
        for license_request in queryset.select_related("line"):
            try:
                services.request_approve(license_request=license_request, by=request.user)
            except services.LicenseError as refusal:
                self.message_user(request, f"{license_request}: {refusal.message}", messages.ERROR)
            else:
                decided += 1
        if decided:
            self.message_user(
                request,
                ngettext("%(count)d aanvraag goedgekeurd.", "%(count)d aanvragen goedgekeurd.", decided)
                % {"count": decided},
                messages.SUCCESS,
            )

    @admin.action(description=_("Geselecteerde aanvragen afwijzen…"), permissions=["change"])
    def reject_requests(self, request, queryset):
        form = RejectionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            decided = 0
            for license_request in queryset:
                try:
                    services.request_reject(
                        license_request=license_request, by=request.user, reason=form.cleaned_data["reason"]
                    )
                except services.LicenseError as refusal:
                    self.message_user(request, f"{license_request}: {refusal.message}", messages.ERROR)
                else:
                    decided += 1
            if decided:
                self.message_user(
                    request,
                    ngettext("%(count)d aanvraag afgewezen.", "%(count)d aanvragen afgewezen.", decided)
                    % {"count": decided},
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "admin/licensing/licenserequest/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Aanvragen afwijzen"),
                "opts": self.model._meta,
                "form": form,
                "requests": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
