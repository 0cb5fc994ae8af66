"""The admin shows the whole story but cannot rewrite it: status, days, value and feedback
are read-only here, so every move goes through `Referral.move` on the referral's page and
is recorded, counted and notified the same way."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from referrals.models import Client, ClientErasure, FeedbackLink, Referral, StatusChange, Touchpoint


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "network", "consent", "created_by", "anonymised_at"]
    list_filter = ["network", "consent"]
    search_fields = ["name", "organisation", "email"]
    autocomplete_fields = ["network", "created_by"]
    list_select_related = ["network", "created_by"]
    readonly_fields = ["consent", "consent_at", "consent_recorded_by", "anonymised_at"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TouchpointInline(ReadOnlyInline):
    model = Touchpoint
    fields = ["happened_on", "kind", "author", "note"]


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["changed_at", "kind", "from_status", "to_status", "changed_by", "note"]


LIFE_CYCLE_FIELDS = [
    "status",
    "made_on",
    "answered_on",
    "served_on",
    "closed_on",
    "closed_value",
    "declined_reason",
    "thanks",
    "client_rating",
    "client_feedback",
    "feedback_at",
    "last_touch_on",
    "first_touch_on",
    "reminders_sent",
    "escalated_at",
]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["client", "referrer", "receiver", "group", "status", "made_on", "closed_value"]
    list_filter = ["status", "network", "made_on"]
    search_fields = ["client__name", "referrer__email", "receiver__email", "need"]
    autocomplete_fields = ["network", "group", "client", "referrer", "receiver"]
    date_hierarchy = "made_on"
    inlines = [TouchpointInline, StatusChangeInline]
    list_select_related = ["client", "referrer", "receiver", "group"]
    readonly_fields = LIFE_CYCLE_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Made on the group's pages, where membership and CNG rules are checked.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Who is on the referral is part of its story too.
        return [*LIFE_CYCLE_FIELDS, "network", "group", "client", "referrer", "receiver"]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["referral", "author", "kind", "happened_on"]
    search_fields = ["note"]
    readonly_fields = ["referral", "author", "kind", "note", "happened_on", "created_at"]

    # The concierge's log, as the status changes are: touchpoint_add writes it and keeps the
    # referral's first and last touch days, which a delete here would leave behind.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["referral", "kind", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "kind"]
    readonly_fields = ["referral", "kind", "from_status", "to_status", "note", "changed_by",
                       "changed_at"]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ClientErasure)
class ClientErasureAdmin(admin.ModelAdmin):
    list_display = ["erased_at", "network", "reason", "erased_by", "referral_count"]
    list_filter = ["reason", "network"]
    readonly_fields = ["network", "client", "reason", "erased_by", "erased_at", "referral_count"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(FeedbackLink)
class FeedbackLinkAdmin(admin.ModelAdmin):
    list_display = ["referral", "created_at", "expires_at", "used_at"]
    readonly_fields = ["referral", "created_by", "created_at", "expires_at", "used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
