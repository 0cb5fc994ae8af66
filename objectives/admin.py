from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from objectives.models import (
    ActivityMonth,
    CheckIn,
    Contribution,
    ContributionMonth,
    Measure,
    MeasureTotal,
    MemberTotal,
    NetworkActivityMonth,
    NetworkContributionMonth,
    NetworkReferralMonth,
    Objective,
    ProgressReport,
    ReferralMonth,
    ReportDelivery,
)


class MeasureInline(admin.StackedInline):
    model = Measure
    extra = 0


@admin.register(Objective)
class ObjectiveAdmin(SimpleHistoryAdmin):
    list_display = ["title", "network", "term", "starts_on", "due_on", "archived_at"]
    list_filter = ["term", "network"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["network"]
    inlines = [MeasureInline]
    list_select_related = ["network"]


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["name", "objective", "source", "baseline", "target", "direction", "unit"]
    list_filter = ["source", "direction", "objective__network"]
    search_fields = ["name", "objective__title"]
    autocomplete_fields = ["objective"]
    list_select_related = ["objective"]


@admin.register(CheckIn)
class CheckInAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "group", "value", "recorded_on", "recorded_by"]
    list_filter = ["recorded_on", "measure__objective__network"]
    search_fields = ["measure__name", "note"]
    autocomplete_fields = ["measure", "group", "recorded_by"]
    list_select_related = ["measure", "group", "recorded_by"]


@admin.register(Contribution)
class ContributionAdmin(SimpleHistoryAdmin):
    list_display = ["activity", "measure", "amount"]
    search_fields = ["activity__title", "measure__name"]
    autocomplete_fields = ["activity", "measure"]
    list_select_related = ["activity", "measure"]


class ReportDeliveryInline(admin.TabularInline):
    model = ReportDelivery
    extra = 0
    readonly_fields = ["user", "channel", "state", "attempts", "last_error", "sent_at", "read_at"]
    can_delete = False


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["group", "network", "period_start", "period_end", "created_at"]
    list_filter = ["network", "period_start"]
    search_fields = ["group__name"]
    autocomplete_fields = ["network", "group"]
    readonly_fields = ["network", "group", "period_start", "period_end", "created_at", "data"]
    inlines = [ReportDeliveryInline]
    list_select_related = ["group", "network"]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ["report", "user", "channel", "state", "attempts", "sent_at"]
    list_filter = ["channel", "state"]
    search_fields = ["user__email", "report__group__name"]
    autocomplete_fields = ["report", "user"]
    list_select_related = ["report__group", "user"]


class RollupAdmin(admin.ModelAdmin):
    """Monthly rollups, to look at: they are derived from activities, contributions and
    referrals (objectives.rollup) and written only by their signals or `manage.py
    rebuild_rollups`."""

    list_filter = ["network"]
    list_select_related = ["network", "group"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ActivityMonth)
class ActivityMonthAdmin(RollupAdmin):
    list_display = ["group", "month", "kind", "count"]


@admin.register(ContributionMonth)
class ContributionMonthAdmin(RollupAdmin):
    list_display = ["measure", "group", "month", "amount"]
    list_select_related = ["network", "group", "measure"]


@admin.register(ReferralMonth)
class ReferralMonthAdmin(RollupAdmin):
    list_display = ["group", "month", "made", "served", "closed_value"]


@admin.register(NetworkActivityMonth)
class NetworkActivityMonthAdmin(RollupAdmin):
    list_display = ["network", "month", "kind", "count"]
    list_select_related = ["network"]


@admin.register(NetworkContributionMonth)
class NetworkContributionMonthAdmin(RollupAdmin):
    list_display = ["measure", "network", "month", "amount"]
    list_select_related = ["network", "measure"]


@admin.register(NetworkReferralMonth)
class NetworkReferralMonthAdmin(RollupAdmin):
    list_display = ["network", "month", "made", "served", "closed_value"]
    list_select_related = ["network"]


@admin.register(MeasureTotal)
class MeasureTotalAdmin(RollupAdmin):
    list_display = ["measure", "group", "value"]
    list_select_related = ["network", "group", "measure__objective"]


@admin.register(MemberTotal)
class MemberTotalAdmin(RollupAdmin):
    list_display = ["user", "network", "last_active_on", "given", "received"]
    list_select_related = ["network", "user"]
    raw_id_fields = ["user"]
