from django.contrib import admin

from groups.models import Activity, GroupMembership, PeerGroup


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(PeerGroup)
class PeerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "kind", "is_cng", "created_at", "archived_at"]
    list_filter = ["kind", "is_cng", "network"]
    search_fields = ["name", "slug", "purpose"]
    autocomplete_fields = ["network"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [GroupMembershipInline]
    list_select_related = ["network"]


@admin.register(GroupMembership)
class GroupMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "role", "joined_at"]
    list_filter = ["role", "group__network"]
    search_fields = ["user__email", "user__name", "group__name"]
    autocomplete_fields = ["user", "group"]
    list_select_related = ["user", "group"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "group", "network", "occurred_on", "people_reached", "led_by"]
    list_filter = ["kind", "network", "occurred_on"]
    search_fields = ["title", "description", "group__name", "led_by__email"]
    autocomplete_fields = ["network", "group", "led_by", "participants"]
    date_hierarchy = "occurred_on"
    list_select_related = ["group", "network", "led_by"]
