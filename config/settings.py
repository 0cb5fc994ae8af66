"""Grove's one settings module. Everything that differs between machines comes
from environment variables; see .env.example for the full list."""

import datetime as dt
from pathlib import Path
from zoneinfo import available_timezones

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# django-environ's env.bool reads any unknown word as False, so "SECURE_COOKIES=ture" would
# quietly turn secure cookies off; these helpers refuse what they do not understand.
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}


def env_bool(name: str, *, default: bool) -> bool:
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    accepted = ", ".join(sorted(TRUE_WORDS | FALSE_WORDS))
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value; use one of: {accepted}.")


def env_int(name: str, *, default: int, minimum: int = 0) -> int:
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be a whole number of at least {minimum}.")
    return value


DEBUG = env_bool("DEBUG", default=False)

# No default secret outside DEBUG: a production machine without SECRET_KEY must not start.
SECRET_KEY = env.str("SECRET_KEY", default="" if not DEBUG else "insecure-dev-only-key")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "simple_history",
    "csp",
    "axes",
    "networks",
    "groups",
    "objectives",
    "referrals",
    "webhooks",
    "hub",
    "notifications",
    # After the apps whose models it adds admin actions to.
    "exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "networks.middleware.private_pages",
    "objectives.middleware.figures_probed_once",
    # Last, as django-axes asks: it turns a lock-out into the page below.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "networks.context_processors.networks",
            ],
            # Figures are formatted the same on every page and in every mail.
            "builtins": ["networks.templatetags.grove"],
        },
    }
]

FORM_RENDERER = "networks.renderers.FormRenderer"

# Database: DATABASE_URL, or an SQLite file in the project (the embedded default).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3's pool; persistent connections must stay off when it is used.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", default=1),
        "max_size": env_int("DATABASE_POOL_MAX", default=10, minimum=1),
        "timeout": 10,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "networks.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "networks:home_redirect"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes counts failed sign-ins (site and admin alike) per account and per address
# (REMOTE_ADDR: behind a proxy, set AXES_CLIENT_IP_CALLABLE). A lock lifts by itself after
# the cool-off, and failures during it do not extend it, so nobody is locked out for good.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in forms name it so; it holds the email
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
PASSWORD_RESET_MAILS_PER_HOUR = 3  # per address; more requests send nothing
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", default=14, minimum=1)
# A client's private feedback link works once, for this many days.
FEEDBACK_LINK_MAX_AGE_DAYS = env_int("FEEDBACK_LINK_MAX_AGE_DAYS", default=14, minimum=1)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
if TIME_ZONE not in available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone name.")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploaded and generated files (background exports). Serve MEDIA_ROOT from a volume kept
# between deploys; exports are downloaded through a view that checks who asks, never
# from MEDIA_URL directly.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Exports with more rows than this run as a background job (a file, a page with its
# progress, a mail when it is ready); smaller ones stream straight to the browser.
EXPORT_BACKGROUND_ROWS = env_int("EXPORT_BACKGROUND_ROWS", default=50_000, minimum=1)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", default=72, minimum=1)
# Member files with more rows than this import as a background job.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", default=1_000, minimum=1)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024, minimum=1024)

# Email: EMAIL_URL (smtp://user:pass@host:587/?tls=True), console by default.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Grove <grove@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# Redis and Celery. Without REDIS_URL, tasks run in-process so nothing needs a broker.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 12 * 60
# A task unacknowledged for longer than this is redelivered; it must exceed the hard limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="grove")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery closes a worker's database connections before and after every task, and with the
# prefork pool closes the whole connection pool too: a new connection per task (a period's
# delivery runs about a thousand). With this it keeps them; config/celery.py hands them
# back to the pool after each task instead, dropping any that broke.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", default=500, minimum=1)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "schedule-due-reports": {
        "task": "objectives.tasks.schedule_due_reports",
        "schedule": 15 * 60,
    },
    "referral-reminders": {"task": "referrals.tasks.send_reminders", "schedule": 60 * 60},
    "client-retention": {"task": "referrals.tasks.anonymise_clients", "schedule": 24 * 60 * 60},
    "notification-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": 24 * 60 * 60,
    },
    "delete-expired-exports": {
        "task": "exports.tasks.delete_expired_exports",
        "schedule": 60 * 60,
    },
    # Every write retires a network's cached dashboard; this computes it again before a
    # visitor has to wait for it (cold it costs hundreds of bare page views).
    "warm-network-dashboards": {
        "task": "objectives.tasks.warm_network_dashboards",
        "schedule": 2 * 60,
    },
    "send-due-webhooks": {"task": "webhooks.tasks.send_due_webhooks", "schedule": 5 * 60},
    "objective-status-webhooks": {
        "task": "objectives.tasks.check_all_objective_statuses",
        "schedule": 60 * 60,
    },
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# The API (README, "API"): session auth for the browser, personal tokens for everything else.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "networks.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "networks.authentication.TokenScopeAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "networks.authentication.PerTokenThrottle",
        "networks.authentication.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_PER_TOKEN", default="1200/hour"),
        "anon": env.str("API_RATE_ANONYMOUS", default="60/hour"),
    },
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Grove API",
    "DESCRIPTION": "Networks, groups, activities, objectives, figures and reports. "
    "Authenticate with a personal API token: `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from static/ (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "groups.models.Activity.Kind",
        "GroupKindEnum": "groups.models.PeerGroup.Kind",
        "ReferralStatusEnum": "referrals.models.Referral.Status",
        "TouchpointKindEnum": "referrals.models.Touchpoint.Kind",
        "FigureStatusEnum": ["on_track", "at_risk", "off_track"],
    },
}
API_TOKEN_LAST_USED_EVERY = dt.timedelta(minutes=1)  # how often a token's last use is written

# Webhooks: targets on private, loopback or link-local addresses are refused outside DEBUG
# (tests turn it on for their local receiver).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=DEBUG)
WEBHOOK_TIMEOUT_SECONDS = 10

# Security. Production-like variables (DEBUG off, HTTPS) pass `check --deploy`.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The rollups' covering indexes carry extra columns on PostgreSQL; SQLite (local runs,
    # the demo) builds them without, all it can do: no warning on every migrate.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# No inline script anywhere; htmx is served from static/ and configured by a meta tag.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Grove uses none of these; a page (or anything injected into one) may not ask for them.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    name: []
    for name in (
        "accelerometer", "autoplay", "bluetooth", "camera", "display-capture",
        "encrypted-media", "geolocation", "gyroscope", "hid", "magnetometer", "microphone",
        "midi", "payment", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
        "xr-spatial-tracking",
    )
}  # fmt: skip

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
