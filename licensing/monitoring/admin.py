"""The nightly job in the back office: runs with their batches, warnings, signals and the outbox."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin import ReadOnlyAdmin

from . import services
from .models import LicenseWarning, OutboxEmail, RefreshBatch, RefreshRun, Signal


class RefreshBatchInline(ReadOnlyAdmin, admin.TabularInline):
    model = RefreshBatch
    extra = 0
    fields = ["id", "done_at", "failed_customers", "error"]
    readonly_fields = fields


@admin.register(RefreshRun)
class RefreshRunAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["started_at", "kind", "run_date", "finished_at", "expected", "processed", "failed"]
    list_filter = ["kind"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "kind",
        "run_date",
        "started_at",
        "dispatched_at",
        "finished_at",
        "expected",
        "processed",
        "failed",
        "failed_customers",
    ]
    inlines = [RefreshBatchInline]


@admin.register(LicenseWarning)
class LicenseWarningAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["opened_at", "customer", "kind", "text", "environment", "resolved_at", "acknowledged_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter), "cause"]
    list_select_related = ["customer", "environment"]
    search_fields = ["=customer__number", "=environment__code"]

    @admin.display(description=_("melding"))
    def text(self, warning: LicenseWarning) -> str:
        return warning.text

    date_hierarchy = "opened_at"


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "item", "scope", "threshold", "is_active", "is_builtin"]
    list_filter = ["is_builtin", "is_active", "item"]
    list_select_related = ["customer"]
    search_fields = ["=customer__number", "name"]
    autocomplete_fields = ["customer"]
    filter_horizontal = ["recipients"]
    readonly_fields = ["is_builtin", "copied_from"]

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_builtin)

    def save_model(self, request, obj, form, change):
        services.signal_save(signal=obj)

    def delete_model(self, request, obj):
        services.signal_delete(signal=obj)

    def delete_queryset(self, request, queryset):
        for signal in queryset:
            services.signal_delete(signal=signal)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "sent_at", "attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "=customer__number", "dedupe_key"]
    date_hierarchy = "created_at"
