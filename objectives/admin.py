from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from objectives.models import (
    CheckIn,
    Contribution,
    Measure,
    Objective,
    ProgressReport,
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
