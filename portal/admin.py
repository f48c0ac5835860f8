from django.contrib import admin

from .models import Contact, Customer, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["contact", "customer"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["number", "name"]
    inlines = [MembershipInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "user__email", "memberships__customer__number"]
    autocomplete_fields = ["user"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["contact", "customer", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["contact__user", "customer"]
    search_fields = ["contact__name", "contact__user__email", "customer__number", "customer__name"]
    autocomplete_fields = ["contact", "customer"]
