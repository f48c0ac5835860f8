from django.contrib import admin

from portal.admin import ReadOnlyAdmin

from .models import Client, Declaration, Employee, Environment, EnvironmentUser
from .summary import user_summaries_refresh


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ["code", "customer", "type", "is_active", "data_taken_at", "data_imported_at"]
    list_filter = ["type", "is_active"]
    list_select_related = ["customer"]
    search_fields = ["code", "customer__number", "customer__name"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["data_taken_at", "data_imported_at", "created_at"]

    # Activated, decommissioned or moved to another customer: its users count elsewhere now, so the
    # unique-user summary of the customers it left and joined is recomputed.
    def save_model(self, request, obj, form, change):
        before = Environment.objects.filter(pk=obj.pk).values_list("customer_id", flat=True).first()
        super().save_model(request, obj, form, change)
        user_summaries_refresh(customer_ids={obj.customer_id, before} - {None})

    def delete_model(self, request, obj):
        customer_id = obj.customer_id
        super().delete_model(request, obj)
        user_summaries_refresh(customer_ids=[customer_id])

    def delete_queryset(self, request, queryset):
        customer_ids = set(queryset.values_list("customer_id", flat=True))
        super().delete_queryset(request, queryset)
        user_summaries_refresh(customer_ids=customer_ids)


class EnvironmentDataAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Environment data only ever changes through a snapshot import, so the back office reads it.

    The one exception, blocking and unblocking a user, are actions that licensing/admin.py adds to
    the user admin: they go through Onderhoud gebruikers' service, which knows the license.
    """

    list_select_related = ["environment__customer"]
    list_per_page = 50
    show_full_result_count = False


@admin.register(EnvironmentUser)
class EnvironmentUserAdmin(EnvironmentDataAdmin):
    list_display = ["code", "name", "environment", "profit", "insite", "outsite", "blocked", "kind"]
    list_filter = ["kind", "blocked", "profit", "insite", "outsite", "environment__type"]
    search_fields = ["=identity__code", "name", "=environment__code", "=environment__customer__number"]


@admin.register(Employee)
class EmployeeAdmin(EnvironmentDataAdmin):
    list_display = ["guid", "name", "environment", "in_service", "kind"]
    list_filter = ["in_service"]
    search_fields = ["=guid", "name", "=environment__code", "=environment__customer__number"]


@admin.register(Declaration)
class DeclarationAdmin(EnvironmentDataAdmin):
    list_display = ["display_number", "environment"]
    search_fields = ["number", "=environment__code", "=environment__customer__number"]


@admin.register(Client)
class ClientAdmin(EnvironmentDataAdmin):
    list_display = ["display_code", "name", "environment"]
    search_fields = ["code", "name", "=environment__code", "=environment__customer__number"]
