from django.contrib import admin

from .models import License, LicenseLine, LicenseMutation


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
