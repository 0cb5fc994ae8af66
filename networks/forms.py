import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any, cast

from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.cache import cache

from networks.models import CURRENCIES, ApiToken, Invitation, Network, User, iana_time_zones
from networks.text import required_text, visible_text


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=150)
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    organisation = forms.CharField(label="Organisation", max_length=150, required=False)
    sector = forms.CharField(label="Sector", max_length=100, required=False)
    expertise = forms.CharField(
        label="Expertise",
        max_length=250,
        required=False,
        help_text="What you know that colleagues may ask you about. You can change it later.",
    )

    def clean_name(self) -> str:
        return required_text(self.cleaned_data["name"], "Tell us your name.")

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(
        choices=[(Invitation.Role.MEMBER, "Member"), (Invitation.Role.ORGANISER, "Organiser")],
        help_text="Organisers can edit the mission, objectives and groups, and invite people.",
    )

    def __init__(self, *args: Any, network: Network | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network = network

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if (
            self.network is not None
            and self.network.memberships.filter(user__email__iexact=email).exists()
        ):
            raise forms.ValidationError("This person is already a member of the network.")
        return email


class StatementForm(forms.Form):
    """The network's mission and vision (a plain form: the service does the saving)."""

    mission = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Inspirational, aspirational and measurable: who, what, by when.",
        error_messages={"required": "Write the mission: one or two lines."},
    )
    vision = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The world you see when the mission is done.",
    )

    def clean_vision(self) -> str:
        return visible_text(self.cleaned_data["vision"])

    def clean_mission(self) -> str:
        return required_text(self.cleaned_data["mission"], "Write the mission: one or two lines.")


class SoundBiteForm(forms.Form):
    text = forms.CharField(
        label="New sound bite",
        max_length=200,
        error_messages={
            "required": "Write the sound bite: a short line a group can repeat.",
            "max_length": "Keep it short: at most %(limit_value)d characters "
            "(this one has %(show_value)d).",
        },
        help_text="A short line of the mission a group can say in its own words.",
    )

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network = network

    def clean_text(self) -> str:
        text = required_text(
            self.cleaned_data["text"], "Write the sound bite: a short line a group can repeat."
        )
        if self.network.sound_bites.filter(text__iexact=text).exists():
            raise forms.ValidationError("This sound bite is on the list already.")
        return text


class SoundBiteMoveForm(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=1000)


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label="Search members",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, organisation, sector or expertise"}
        ),
    )


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(iana_time_zones())]


class NetworkSettingsForm(forms.Form):
    name = forms.CharField(max_length=120, error_messages={"required": "Give the network a name."})
    report_cadence = forms.ChoiceField(
        label="Progress reports",
        choices=Network.Cadence.choices,
        help_text="How often every group gets its report. A change applies from the next period.",
    )
    time_zone = forms.ChoiceField(
        help_text="Report periods start at midnight here, and “today” means today here."
    )
    currency = forms.ChoiceField(
        choices=CURRENCIES,
        required=False,
        help_text="Written before money figures, such as referrals' closed value.",
    )
    tolerance = forms.IntegerField(
        label="Tolerance (percentage points)",
        min_value=0,
        max_value=50,
        help_text="How far progress may trail the time gone and still be on track; "
        "up to twice this is at risk, beyond that off track.",
        error_messages={
            "min_value": "The tolerance cannot be negative.",
            "max_value": "Keep the tolerance at 50 points or less, or every measure is on track.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = _time_zone_choices()

    def clean_name(self) -> str:
        return required_text(self.cleaned_data["name"], "Give the network a name.")


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends at most PASSWORD_RESET_MAILS_PER_HOUR reset mails to one address an hour.

    Past the limit the page says the same as always (it never tells whether an account
    exists) and no mail goes: nobody can flood a person's inbox from the reset page.
    """

    def get_users(self, email: str) -> Iterator[Any]:
        key = "password-reset:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()
        cache.add(key, 0, timeout=60 * 60)
        if cache.incr(key) > settings.PASSWORD_RESET_MAILS_PER_HOUR:
            return iter(())
        return iter(super().get_users(email))


class UnlockingSetPasswordForm(SetPasswordForm):
    """A new password from a reset mail also lifts a sign-in lock-out on the account: the
    way back for a person whose account someone else has been guessing at."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        axes_reset(username=user.get_username())
        return user


class ProfileForm(forms.ModelForm):
    """What a member says about themselves in the directory."""

    class Meta:
        model = User
        fields = ["name", "organisation", "sector", "expertise"]
        help_texts = {
            "expertise": "What you know that colleagues may ask you about.",
        }

    def clean_name(self) -> str:
        return required_text(self.cleaned_data["name"], "A name is needed.")


class ApiTokenForm(forms.Form):
    """A personal API token: a name to recognise it by, a scope, and an optional expiry."""

    MAX_DAYS = 366

    name = forms.CharField(
        max_length=100, help_text="What uses it, e.g. “CRM sync” or “nightly spreadsheet”."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ, widget=forms.RadioSelect
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for a token that works until you revoke it.",
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_name(self) -> str:
        return required_text(self.cleaned_data["name"], "Name the token.")

    def clean_expires_on(self) -> dt.date | None:
        day = self.cleaned_data["expires_on"]
        if day is not None and not self.today < day <= self.today + dt.timedelta(self.MAX_DAYS):
            raise forms.ValidationError(
                f"Choose a day after today and within {self.MAX_DAYS} days, or leave it empty."
            )
        return day
