from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from networks.models import User
from referrals.models import Client, Referral, Touchpoint

NEED_HELP = "What the client needs, in their words. The colleague reads this first."


class ReferralForm(forms.Form):
    need = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NEED_HELP,
        error_messages={"required": "Say what the client needs."},
    )
    receiver = forms.ModelChoiceField(
        label="Colleague who will serve it",
        queryset=User.objects.none(),
        empty_label="Choose a colleague",
        error_messages={
            "required": "Choose the colleague who will serve the client.",
            "invalid_choice": "The colleague must be a member of this group.",
        },
    )
    known_client = forms.ModelChoiceField(
        label="A client you already know here",
        queryset=Client.objects.none(),
        required=False,
        empty_label="A new client",
    )
    client_name = forms.CharField(label="Client's name", max_length=150, required=False)
    client_organisation = forms.CharField(label="Organisation", max_length=150, required=False)
    client_email = forms.EmailField(label="Email", required=False)
    client_phone = forms.CharField(label="Phone", max_length=40, required=False)
    client_notes = forms.CharField(
        label="Notes about the client",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent = forms.ChoiceField(
        label="The client's consent to be introduced and have their details kept",
        choices=Client.Consent.choices,
        required=False,
        help_text="The colleague sees the client's contact details once consent is recorded.",
    )
    follow_up_on = forms.DateField(
        label="Next follow-up",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self,
        *args: Any,
        colleagues: QuerySet[User],
        clients: QuerySet[Client],
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        receiver = self.fields["receiver"]
        assert isinstance(receiver, forms.ModelChoiceField)
        receiver.queryset = colleagues
        known = self.fields["known_client"]
        assert isinstance(known, forms.ModelChoiceField)
        known.queryset = clients
        if not clients.exists():
            del self.fields["known_client"]

    def clean_follow_up_on(self) -> dt.date | None:
        day = self.cleaned_data["follow_up_on"]
        if day is not None and day < self.today:
            raise forms.ValidationError("The follow-up date is in the past.")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("known_client") and not (data.get("client_name") or "").strip():
            self.add_error("client_name", "Give the client's name, or choose a known client.")
        return data

    def client_details(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "name": data["client_name"].strip(),
            "organisation": data["client_organisation"].strip(),
            "email": data["client_email"],
            "phone": data["client_phone"].strip(),
            "notes": data["client_notes"].strip(),
        }


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=Referral.Status.choices)
    reason = forms.CharField(label="Why you decline", max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    value = forms.DecimalField(
        label="Business value",
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        error_messages={"min_value": "The value cannot be negative; tick “no business” instead."},
    )
    no_business = forms.BooleanField(label="No business came of it", required=False)
    thanks = forms.CharField(label="Thank-you note to the concierge", max_length=1000,
                             required=False, widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to") == Referral.Status.CLOSED:
            if (
                data.get("value") is None
                and not data.get("no_business")
                and "value" not in self.errors
            ):
                self.add_error("value", "Give the business value, or tick “no business”.")
            if data.get("no_business"):
                data["value"] = None
        return data


class TouchpointForm(forms.Form):
    kind = forms.ChoiceField(
        label="With", choices=Touchpoint.Kind.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "Say what happened."})  # fmt: skip
    happened_on = forms.DateField(label="On", widget=forms.DateInput(attrs={"type": "date"}))
    follow_up_on = forms.DateField(label="Next follow-up", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def __init__(self, *args: Any, today: dt.date, made_on: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today, self.made_on = today, made_on

    def clean_happened_on(self) -> dt.date:
        day = self.cleaned_data["happened_on"]
        if day > self.today:
            raise forms.ValidationError("A touchpoint cannot be in the future.")
        if day < self.made_on:
            raise forms.ValidationError("That day is before the referral was made.")
        return day

    def clean_follow_up_on(self) -> dt.date | None:
        day = self.cleaned_data["follow_up_on"]
        if day is not None and day < self.today:
            raise forms.ValidationError("The follow-up date is in the past.")
        return day


RATINGS = [(n, f"{n}") for n in range(1, 6)]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Satisfaction (1 poor – 5 excellent)",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a satisfaction from 1 to 5.",
            "invalid_choice": "Satisfaction is a number from 1 to 5.",
        },
    )
    comment = forms.CharField(max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class ConsentForm(forms.Form):
    how = forms.ChoiceField(
        label="How the client agreed",
        choices=[c for c in Client.Consent.choices if c[0]],
        error_messages={"required": "Say how the client agreed."},
    )


class CorrectionForm(forms.Form):
    made_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    served_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    closed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    closed_value = forms.DecimalField(
        label="Value",
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        error_messages={"min_value": "The value cannot be negative."},
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if referral.served_on is None:
            del self.fields["served_on"]
        if referral.status != Referral.Status.CLOSED:
            del self.fields["closed_on"]
            del self.fields["closed_value"]


class FollowUpIntervalForm(forms.Form):
    days = forms.IntegerField(
        label="Follow-up interval (days)",
        min_value=1,
        max_value=90,
        help_text="A referral with no touchpoint for this long reminds its concierge; after "
        "two intervals you are told too.",
        error_messages={
            "min_value": "The interval is at least 1 day.",
            "max_value": "The interval is at most 90 days.",
        },
    )


class RetentionForm(forms.Form):
    months = forms.IntegerField(
        label="Keep clients' details for (months after their last referral closes)",
        min_value=1,
        max_value=120,
        error_messages={
            "min_value": "Keep details at least 1 month.",
            "max_value": "Keep details at most 120 months.",
        },
    )
