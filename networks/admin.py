from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from networks.models import ApiToken, Invitation, Membership, Network, SoundBite, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "organisation", "sector", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "sector"]
    search_fields = ["email", "name", "organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "organisation", "sector", "expertise"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})
    ]


class SoundBiteInline(admin.TabularInline):
    model = SoundBite
    extra = 0


@admin.register(Network)
class NetworkAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "report_cadence", "time_zone", "created_at"]
    list_filter = ["report_cadence"]
    search_fields = ["name", "slug", "mission"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SoundBiteInline]


@admin.register(SoundBite)
class SoundBiteAdmin(SimpleHistoryAdmin):
    list_display = ["text", "network", "position"]
    list_filter = ["network"]
    search_fields = ["text"]
    autocomplete_fields = ["network"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "network", "role", "report_delivery", "joined_at"]
    list_filter = ["role", "report_delivery", "network"]
    search_fields = ["user__email", "user__name", "network__name"]
    autocomplete_fields = ["user", "network"]
    list_select_related = ["user", "network"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "network", "group", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "network"]
    search_fields = ["email", "network__name"]
    autocomplete_fields = ["network", "group", "invited_by", "accepted_by"]
    readonly_fields = ["token_hash"]
    list_select_related = ["network", "group"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["prefix", "token_hash", "last_used_at"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
