import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from groups.models import Activity, PeerGroup
from networks.models import HISTORY_YEARS, Membership
from networks.text import required_text
from objectives.models import CheckIn, Measure, Objective


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# An objective is a plan people can act on: it starts within ten years and runs at most
# thirty (a mission's horizon), never from year 1 to 9999.
OBJECTIVE_STARTS_WITHIN_YEARS = 10
OBJECTIVE_MAX_YEARS = 30


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["term", "title", "description", "starts_on", "due_on"]
        widgets = {
            "term": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_on": DateInput(),
            "due_on": DateInput(),
        }
        labels = {"starts_on": "Starts on", "due_on": "Due on"}
        help_texts = {
            "title": "What will be true when it is done, e.g. “Grow peer learning this year”.",
            "description": "Why it matters and how groups can help.",
            "term": "Short term: within the year. Long term: the mission's horizon.",
        }
        error_messages = {
            "title": {"required": "Give the objective a title."},
            "term": {"required": "Choose short or long term."},
            "starts_on": {"required": "Give the start date.", "invalid": "Enter a real date."},
            "due_on": {"required": "Give the due date.", "invalid": "Enter a real date."},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Radio buttons need no "---------" choice: the term is always one of the two.
        cast(forms.ChoiceField, self.fields["term"]).choices = Objective.Term.choices

    def clean_title(self) -> str:
        return required_text(self.cleaned_data["title"], "Give the objective a title.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        starts_on, due_on = data.get("starts_on"), data.get("due_on")
        network = self.instance.network
        if starts_on:
            earliest = network.earliest_record_day()
            latest = _years_after(network.today(), OBJECTIVE_STARTS_WITHIN_YEARS)
            if not earliest <= starts_on <= latest:
                self.add_error(
                    "starts_on",
                    f"Start between {earliest:%-d %b %Y} ({HISTORY_YEARS} years before the "
                    f"network joined Grove) and {latest:%-d %b %Y}.",
                )
        if starts_on and due_on and due_on <= starts_on:
            self.add_error(
                "due_on",
                f"The due date must come after the start date ({starts_on:%-d %b %Y}).",
            )
        elif starts_on and due_on and due_on > _years_after(starts_on, OBJECTIVE_MAX_YEARS):
            self.add_error(
                "due_on",
                f"An objective may run at most {OBJECTIVE_MAX_YEARS} years: due by "
                f"{_years_after(starts_on, OBJECTIVE_MAX_YEARS):%-d %b %Y}.",
            )
        return data


class MeasureForm(forms.ModelForm):
    activity_kinds = forms.MultipleChoiceField(
        label="Activity kinds",
        choices=Activity.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only for “Count of activities”: the kinds that count (none ticked: all).",
    )

    class Meta:
        model = Measure
        fields = ["name", "unit", "baseline", "target", "direction", "source", "activity_kinds"]
        help_texts = {
            "name": "What you count, e.g. “Members reporting a new client”.",
            "unit": "e.g. people, sessions, £.",
            "baseline": "The value when the objective starts.",
            "target": "The value that means the objective is met.",
            "direction": "Whether success means the value goes up or down.",
            "source": "Where the current value comes from.",
        }
        error_messages = {
            "name": {"required": "Name the measure."},
            "target": {"required": "Give the target value."},
            "baseline": {"required": "Give the baseline value (often 0)."},
        }

    def clean_name(self) -> str:
        return required_text(self.cleaned_data["name"], "Name the measure.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.instance.pk is None and self.instance.objective.archived_at is not None:
            self.add_error(None, "This objective is archived: restore it before adding measures.")
        baseline, target = data.get("baseline"), data.get("target")
        direction = data.get("direction")
        if baseline is not None and target is not None:
            if target == baseline:
                self.add_error(
                    "target",
                    f"The target must differ from the baseline ({baseline.normalize():f}); "
                    "otherwise there is nothing to measure.",
                )
            elif direction == Measure.Direction.INCREASE and target < baseline:
                self.add_error(
                    "direction",
                    "The target is below the baseline, so the value must decrease: "
                    "choose “Decrease” or raise the target.",
                )
            elif direction == Measure.Direction.DECREASE and target > baseline:
                self.add_error(
                    "direction",
                    "The target is above the baseline, so the value must increase: "
                    "choose “Increase” or lower the target.",
                )
        if data.get("source") != Measure.Source.ACTIVITY_COUNT:
            data["activity_kinds"] = []
        return data


class CheckInForm(forms.ModelForm):
    value = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        error_messages={
            "required": "Give the reading.",
            "min_value": "A reading cannot be negative.",
            "invalid": "Enter a number, e.g. 42 or 12.5.",
        },
    )

    class Meta:
        model = CheckIn
        fields = ["value", "recorded_on", "group", "note"]
        widgets = {"recorded_on": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}
        labels = {"recorded_on": "Date", "group": "On behalf of"}
        help_texts = {"note": "Where the figure comes from, e.g. “quarterly member survey”."}
        error_messages = {
            "recorded_on": {"required": "Give the date.", "invalid": "Enter a real date."}
        }

    def __init__(
        self,
        *args: Any,
        groups: QuerySet[PeerGroup],
        today: dt.date,
        network_wide: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("recorded_on", today)
        super().__init__(*args, **kwargs)
        self.today = today
        group = cast(forms.ModelChoiceField, self.fields["group"])
        group.queryset = groups
        if network_wide:
            group.empty_label = "The whole network"
            group.help_text = "A reading for the whole network sets the network's figure."
        else:
            # Only organisers set the network's figure: a gardener records their group's part.
            group.required = True
            group.empty_label = None
            group.error_messages["required"] = "Choose the group this reading is for."

    def clean_recorded_on(self) -> dt.date:
        day = self.cleaned_data["recorded_on"]
        if day > self.today:
            raise forms.ValidationError(
                f"A check-in cannot be dated in the future (today is {self.today:%-d %b %Y})."
            )
        earliest = self.instance.measure.objective.network.earliest_record_day()
        if day < earliest:
            raise forms.ValidationError(
                f"The date is too far back: check-ins go back to {earliest:%-d %b %Y}, "
                f"{HISTORY_YEARS} years before the network joined Grove."
            )
        return day


class ReportDeliveryForm(forms.ModelForm):
    """How one person receives this network's progress reports."""

    class Meta:
        model = Membership
        fields = ["report_delivery"]
        labels = {"report_delivery": "Send me progress reports"}
        widgets = {"report_delivery": forms.RadioSelect}
