import hashlib
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with their email address; may belong to several networks."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    organisation = models.CharField(max_length=150, blank=True)
    sector = models.CharField(max_length=100, blank=True)
    expertise = models.CharField(max_length=250, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="networks_user_email_ci_unique"),
        ]
        # People lists read a page in this order (the directory, people search): the index
        # hands them the first rows without sorting a network's members.
        indexes = [models.Index(fields=["name", "email"], name="networks_user_name_email_idx")]

    def __str__(self) -> str:
        return self.shown_as(self.name, self.email)

    @staticmethod
    def shown_as(name: str, email: str) -> str:
        """How a person is shown (str of a User): for rows read as plain values."""
        return name or email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.lower()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


# Files in the zoneinfo folder that are not zones: "localtime" follows whatever the machine
# is set to, "Factory" means "no zone set", "posixrules" is a template for POSIX TZ strings.
NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


def iana_time_zones() -> set[str]:
    """The real IANA zone names this machine knows."""
    return available_timezones() - NOT_ZONES


def validate_time_zone(value: str) -> None:
    if value not in iana_time_zones():
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/London.")


CURRENCIES = [
    ("£", "£ pound"),
    ("€", "€ euro"),
    ("$", "$ dollar"),
    ("¥", "¥ yen or yuan"),
    ("₹", "₹ rupee"),
    ("CHF", "CHF Swiss franc"),
]

HISTORY_YEARS = 5  # how far before its creation a network may date what it records


class Network(models.Model):
    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    mission = models.TextField(
        max_length=1000, blank=True, help_text="Inspirational, aspirational and measurable."
    )
    vision = models.TextField(max_length=1000, blank=True)
    report_cadence = models.CharField(
        max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    tolerance = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=0.10,
        help_text="How far (as a share, 0.10 = 10 points) progress may trail the expected "
        "progress and still count as on track; twice this is at risk.",
    )
    currency = models.CharField(
        max_length=4,
        choices=CURRENCIES,
        default="£",
        help_text="Written before money figures, such as referrals' closed value: £49,000.",
    )
    client_retention_months = models.PositiveSmallIntegerField(
        default=24,
        db_default=24,
        help_text="Clients' personal details are anonymised this many months after their "
        "last referral closes; the figures are kept.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tolerance__gte=0) & Q(tolerance__lte=1),
                name="networks_network_tolerance_range",
            ),
            models.CheckConstraint(
                condition=Q(client_retention_months__gte=1) & Q(client_retention_months__lte=120),
                name="networks_network_client_retention_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network_home", kwargs={"network_slug": self.slug})

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def today(self) -> date:
        return timezone.now().astimezone(self.tz).date()

    def earliest_record_day(self) -> date:
        """The first day activities, check-ins, objectives and reports may be dated: a
        network records some history from before it joined Grove, within a margin."""
        created = (self.created_at or timezone.now()).astimezone(self.tz).date()
        try:
            return created.replace(year=created.year - HISTORY_YEARS)
        except ValueError:  # 29 February
            return created.replace(year=created.year - HISTORY_YEARS, day=28)


class SoundBite(models.Model):
    """A short line of the mission or vision a group can explain in its own words."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="sound_bites")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Membership(models.Model):
    class Role(models.TextChoices):
        ORGANISER = "organiser", "Organiser"
        MEMBER = "member", "Member"

    class Delivery(models.TextChoices):
        EVERY = "every", "Every report by email"
        DIGEST = "digest", "A digest by email"
        IN_APP = "in_app", "In the app only"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    report_delivery = models.CharField(
        max_length=10, choices=Delivery.choices, default=Delivery.EVERY
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["network", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="networks_membership_once"),
        ]
        indexes = [models.Index(fields=["network", "role"], name="networks_membership_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.network} ({self.get_role_display()})"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True).filter(
            expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An email address invited into a network, optionally into a group as gardener or member.

    Only a hash of the token is stored, so the link cannot be rebuilt from the database.
    """

    class Role(models.TextChoices):
        ORGANISER = "organiser", "Organiser"
        GARDENER = "gardener", "Gardener"
        MEMBER = "member", "Member"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    # A string reference keeps networks' code free of imports from groups.
    group = models.ForeignKey(
        "groups.PeerGroup",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="networks_invitation_expires_after_created",
            ),
            models.CheckConstraint(
                condition=~Q(role="gardener") | Q(group__isnull=False),
                name="networks_invitation_gardener_has_group",
            ),
        ]
        indexes = [models.Index(fields=["network", "email"], name="networks_invitation_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} → {self.network} as {self.get_role_display()}"

    @classmethod
    def new_token(cls) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @classmethod
    def default_expiry(cls) -> datetime:
        return timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)

    @classmethod
    def find_by_token(cls, token: str) -> "Invitation | None":
        return (
            cls.objects.select_related("network", "group")
            .filter(token_hash=_hash_token(token))
            .first()
        )

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    def is_for(self, user: "User") -> bool:
        """An invitation is for its address only, whoever holds the link."""
        return user.email.strip().lower() == self.email.strip().lower()

    @property
    def is_usable(self) -> bool:
        return self.state == "pending"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored, as for invitations; the prefix (shown in
    the token list) finds the row, and the hash is compared in constant time."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    PREFIX_LENGTH = 8
    TEXT_PREFIX = "grove_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="networks_apitoken_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.TEXT_PREFIX}{self.prefix}…)"

    @classmethod
    def new_secret(cls) -> tuple[str, str, str]:
        """(token text, prefix, hash): the text is shown once and never stored."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        text = f"{cls.TEXT_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        return text, prefix, _hash_token(text)

    @classmethod
    def find(cls, text: str) -> "ApiToken | None":
        """The usable token with this text, or None."""
        head, _, rest = text.removeprefix(cls.TEXT_PREFIX).partition("_")
        if not text.startswith(cls.TEXT_PREFIX) or len(head) != cls.PREFIX_LENGTH or not rest:
            return None
        token = cls.objects.usable().select_related("user").filter(prefix=head).first()
        if token is None or not secrets.compare_digest(token.token_hash, _hash_token(text)):
            return None
        return token

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

    def mark_used(self) -> None:
        """Write the last use at most once a minute: a busy script costs no write per call."""
        now = timezone.now()
        if self.last_used_at and now - self.last_used_at < settings.API_TOKEN_LAST_USED_EVERY:
            return
        ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
