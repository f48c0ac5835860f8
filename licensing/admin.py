from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import ReadOnlyAdmin, ServiceAdmin

from . import services
from .models import License, LicenseLine, LicenseMutation, LicenseRequest, RequestStatus


class LicenseLineForm(forms.ModelForm):
    """A line's maximum, checked by the entitlement service's own rules before anything is written.

    Item and scope of an existing line stay what they are: another item is another line.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("license", "item", "scope"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean_maximum(self):
        maximum = self.cleaned_data["maximum"]
        # In the License admin's inline the license is the parent, already set on the instance.
        license = self.cleaned_data.get("license") or (
            self.instance.license if self.instance.license_id else None
        )
        item = self.cleaned_data.get("item") or self.instance.item
        if license is not None and item:
            try:
                services.check_entitlement(license=license, item=item, quantity=maximum)
            except services.LicenseError as refusal:
                raise forms.ValidationError(refusal.message) from None
        return maximum


def _set_maximum(request, line: LicenseLine) -> LicenseLine:
    """Write the form's maximum of `line` through the entitlement service (source "backoffice")."""
    mutation = services.line_set_maximum(
        customer=line.license.customer,
        item=line.item,
        scope=line.scope,
        quantity=line.maximum,
        by=request.user,
    )
    return mutation.line


class LicenseLineInline(admin.TabularInline):
    model = LicenseLine
    form = LicenseLineForm
    extra = 0
    fields = ["item", "scope", "maximum", "portal", "in_use"]
    # The portal number follows the maximum at the nightly run (DESIGN.md); a line is never deleted
    # here: a maximum of 0 is the entitlement's way to say "none".
    readonly_fields = ["portal", "in_use"]
    can_delete = False


@admin.register(License)
class LicenseAdmin(ServiceAdmin):
    refusals = (services.LicenseError,)
    list_display = ["customer", "edition", "flex", "counted_at"]
    list_filter = ["edition", "flex"]
    list_select_related = ["customer"]
    search_fields = ["customer__number", "customer__name"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["counted_at"]
    inlines = [LicenseLineInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not LicenseLine:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        changed = [line for line, fields in formset.changed_objects if "maximum" in fields]
        for line in [*formset.new_objects, *changed]:
            _set_maximum(request, line)


@admin.register(LicenseLine)
class LicenseLineAdmin(ServiceAdmin):
    refusals = (services.LicenseError,)
    form = LicenseLineForm
    list_display = ["license", "item", "scope", "maximum", "portal", "in_use"]
    list_filter = ["item", "scope", "license__edition"]
    list_select_related = ["license__customer"]
    search_fields = ["=license__customer__number", "license__customer__name"]
    fields = ["license", "item", "scope", "maximum", "portal", "in_use"]
    readonly_fields = ["portal", "in_use"]
    autocomplete_fields = ["license"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change and "maximum" not in form.changed_data:
            return
        saved = _set_maximum(request, obj)
        # The admin goes on with the object of its form (log entry, redirect): make it the saved one.
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(LicenseMutation)
class LicenseMutationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The audit trail: read-only for everybody."""

    list_display = [
        "created_at",
        "customer",
        "line",
        "old_maximum",
        "old_portal",
        "new_quantity",
        "old_price",
        "new_price",
        "by",
        "user",
        "source",
    ]
    list_filter = ["source", "acknowledged_deviation"]
    list_select_related = ["customer", "line__license__customer", "user"]
    search_fields = ["=customer__number", "by"]
    date_hierarchy = "created_at"


def approval_consequence(license_request) -> str:
    """What approving one request does, in numbers."""
    if license_request.status != RequestStatus.SUBMITTED:
        return str(services.REQUEST_ALREADY_DECIDED)
    line = license_request.line
    if line is None:
        return _("Geen licentieregel: alleen de status wordt Goedgekeurd.")
    return _(
        "%(customer)s: maximum %(item)s (%(scope)s) van %(old)s naar %(new)s; in gebruik %(in_use)s. "
        "Het portaalaantal volgt bij de nachtelijke verwerking."
    ) % {
        "customer": license_request.customer.number,
        "item": line.get_item_display(),
        "scope": line.get_scope_display(),
        "old": line.maximum,
        "new": license_request.desired_quantity,
        "in_use": line.in_use,
    }


class RejectionForm(forms.Form):
    reason = forms.CharField(label=_("Reden van afwijzing"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(LicenseRequest)
class LicenseRequestAdmin(admin.ModelAdmin):
    """Vendor staff decide on license requests here, with the approve and reject actions."""

    # Narrow columns (the customer by number, the line without it, short dates): the list fits at 1280 px.
    list_display = [
        "requested",
        "customer_number",
        "subject_or_line",
        "desired_quantity",
        "status",
        "decided",
    ]
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
        "language",
        "status",
        "decided_at",
        "decided_by",
        "rejection_reason",
    ]
    readonly_fields = fields

    @admin.display(description=_("onderwerp"))
    def subject_or_line(self, obj):
        if obj.line is None:
            return obj.subject
        return f"{obj.line.get_item_display()} ({obj.line.get_scope_display()})"

    @admin.display(description=_("klant"), ordering="customer__number")
    def customer_number(self, obj):
        return obj.customer.number

    @admin.display(description=_("aangevraagd"), ordering="created_at")
    def requested(self, obj):
        return date_format(timezone.localtime(obj.created_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("besloten"), ordering="decided_at")
    def decided(self, obj):
        return (
            date_format(timezone.localtime(obj.decided_at), "SHORT_DATETIME_FORMAT")
            if obj.decided_at
            else "–"
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, decide, done_message) -> None:
        """Decide each request; a refused one is reported and leaves the others decided."""
        decided = 0
        for license_request in queryset:
            try:
                decide(license_request)
            except services.LicenseError as refusal:
                self.message_user(request, f"{license_request}: {refusal.message}", messages.ERROR)
            else:
                decided += 1
        if decided:
            self.message_user(request, done_message(decided) % {"count": decided}, messages.SUCCESS)

    @admin.action(description=_("Geselecteerde aanvragen goedkeuren…"), permissions=["change"])
    def approve_requests(self, request, queryset):
        """Approving changes maxima: an intermediate page states each change in numbers first, and
        only a confirmation of exactly those numbers goes through (the service checks every rule)."""
        selected = list(queryset.select_related("line__license__customer", "customer").order_by("pk"))
        state = ";".join(
            f"{item.pk}:{item.status}:{item.line.maximum if item.line else ''}" for item in selected
        )
        if request.POST.get("apply") == "1" and request.POST.get("state") == state:
            self._decide(
                request,
                selected,
                lambda license_request: services.request_approve(
                    license_request=license_request, by=request.user
                ),
                lambda count: ngettext(
                    "%(count)d aanvraag goedgekeurd.", "%(count)d aanvragen goedgekeurd.", count
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/licensing/licenserequest/approve.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Aanvragen goedkeuren"),
                "opts": self.model._meta,
                "changes": [(item, approval_consequence(item)) for item in selected],
                "state": state,
                "stale": "apply" in request.POST,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Geselecteerde aanvragen afwijzen…"), permissions=["change"])
    def reject_requests(self, request, queryset):
        form = RejectionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._decide(
                request,
                queryset,
                lambda license_request: services.request_reject(
                    license_request=license_request, by=request.user, reason=reason
                ),
                lambda count: ngettext(
                    "%(count)d aanvraag afgewezen.", "%(count)d aanvragen afgewezen.", count
                ),
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
