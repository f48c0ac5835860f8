from django.contrib import admin

from portal.admin import ReadOnlyAdmin

from . import services
from .models import Client, Declaration, Employee, Environment, EnvironmentUser


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ["code", "customer", "type", "is_active", "data_taken_at", "data_imported_at"]
    list_filter = ["type", "is_active"]
    list_select_related = ["customer"]
    search_fields = ["code", "customer__number", "customer__name"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["data_taken_at", "data_imported_at", "created_at"]
    exclude = ["data_digest"]

    # Through the services: adding, decommissioning or moving an environment changes what counts.
    def save_model(self, request, obj, form, change):
        services.environment_save(environment=obj)

    def delete_model(self, request, obj):
        services.environment_delete(environment=obj)

    def delete_queryset(self, request, queryset):
        for environment in queryset:
            services.environment_delete(environment=environment)


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
