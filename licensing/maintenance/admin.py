"""The back office of "Onderhoud gebruikers": the blocking log, and block/unblock on environment users."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from environments.admin import EnvironmentUserAdmin as EnvironmentUserReadOnlyAdmin
from environments.models import EnvironmentUser
from portal.admin import ReadOnlyAdmin

from .models import UserBlockChange
from .selectors import changed_message
from .services import NothingChanged, WouldExceedLicense, user_set_blocked_by_staff


@admin.register(UserBlockChange)
class UserBlockChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Blocking and unblocking from "Onderhoud gebruikers": append-only, like the mutation log."""

    list_display = ["created_at", "customer", "user_code", "blocked", "all_environments", "by"]
    list_filter = ["blocked", "all_environments"]
    list_select_related = ["customer"]
    search_fields = ["=customer__number", "user_code", "by"]
    date_hierarchy = "created_at"


# Blocking and unblocking belong to "Onderhoud gebruikers", which the environments app may not
# import: its read-only user admin gets the two actions here.
admin.site.unregister(EnvironmentUser)


@admin.register(EnvironmentUser)
class EnvironmentUserAdmin(EnvironmentUserReadOnlyAdmin):
    """Environment users, read-only, with block and unblock through the same service and refusals
    as the portal (an unblock that would take a line above its maximum is refused)."""

    actions = ["block_users", "unblock_users"]

    def has_block_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm("maintenance.add_userblockchange")

    def _set_blocked(self, request, queryset, *, blocked: bool) -> None:
        for user in queryset.select_related("environment__customer").order_by("environment__code", "code"):
            try:
                change = user_set_blocked_by_staff(
                    customer=user.environment.customer,
                    by=request.user,
                    identity_id=user.identity_id,
                    user_code=user.code,
                    blocked=blocked,
                    environment_id=user.environment_id,
                )
            except WouldExceedLicense as refusal:
                self.message_user(request, f"{user.environment.code}: {refusal.message}", messages.ERROR)
            except NothingChanged as refusal:
                self.message_user(request, f"{user.environment.code}: {refusal.message}", messages.INFO)
            else:
                self.message_user(request, changed_message(change), messages.SUCCESS)

    @admin.action(description=_("Geselecteerde gebruikers blokkeren in hun omgeving"), permissions=["block"])
    def block_users(self, request, queryset):
        self._set_blocked(request, queryset, blocked=True)

    @admin.action(
        description=_("Geselecteerde gebruikers deblokkeren in hun omgeving"), permissions=["block"]
    )
    def unblock_users(self, request, queryset):
        self._set_blocked(request, queryset, blocked=False)
