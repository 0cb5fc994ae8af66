from django.contrib import admin

from webhooks.models import LastSent, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "network", "created_at", "failures_in_a_row", "disabled_at"]
    list_filter = ["network"]
    search_fields = ["url", "network__name"]
    readonly_fields = ["secret", "previous_secret", "previous_secret_until"]
    autocomplete_fields = ["network", "created_by"]
    list_select_related = ["network"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    readonly_fields = ["attempted_at", "status_code", "duration_ms", "error"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["message_id", "event", "endpoint", "state", "attempts", "created_at"]
    list_filter = ["state", "event"]
    search_fields = ["message_id", "endpoint__url"]
    raw_id_fields = ["endpoint"]
    inlines = [WebhookAttemptInline]
    list_select_related = ["endpoint"]


@admin.register(LastSent)
class LastSentAdmin(admin.ModelAdmin):
    list_display = ["network", "subject", "value", "updated_at"]
    search_fields = ["subject"]
    raw_id_fields = ["network"]


admin.site.register(WebhookAttempt)
