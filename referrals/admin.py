from django.contrib import admin

from referrals.models import Client, Referral, StatusChange, Touchpoint


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "network", "created_by", "created_at"]
    list_filter = ["network"]
    search_fields = ["name", "organisation", "email"]
    autocomplete_fields = ["network", "created_by"]
    list_select_related = ["network", "created_by"]


class TouchpointInline(admin.TabularInline):
    model = Touchpoint
    extra = 0
    autocomplete_fields = ["author"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "changed_by", "changed_at"]
    can_delete = False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["client", "referrer", "receiver", "group", "status", "made_on", "closed_value"]
    list_filter = ["status", "network", "made_on"]
    search_fields = ["client__name", "referrer__email", "receiver__email", "need"]
    autocomplete_fields = ["network", "group", "client", "referrer", "receiver"]
    date_hierarchy = "made_on"
    inlines = [TouchpointInline, StatusChangeInline]
    list_select_related = ["client", "referrer", "receiver", "group"]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["referral", "author", "happened_on"]
    search_fields = ["note"]
    autocomplete_fields = ["referral", "author"]


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["referral", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status"]
    autocomplete_fields = ["referral", "changed_by"]
