from django.contrib import admin

from notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["verb", "user", "network", "created_at", "read_at", "email"]
    list_filter = ["kind", "email", "network"]
    search_fields = ["verb", "user__email"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "network"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "network", "referral_updates"]
    list_filter = ["referral_updates"]
    raw_id_fields = ["user"]
