"""Settings are read from the environment; run each case in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL, "
    "'email': settings.EMAIL_BACKEND, 'debug': settings.DEBUG}))"
)


PRODUCTION_UNSET = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.pop("SECRET_KEY", None)
    clean.pop("DEBUG", None)
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_without_services_falls_back_to_sqlite_and_in_process_tasks():
    result = run(PRINT, DEBUG="true")
    values = json.loads(result.stdout)
    assert values == {
        "engine": "django.db.backends.sqlite3",
        "eager": True,
        "broker": "memory://",
        "email": "django.core.mail.backends.console.EmailBackend",
        "debug": True,
    }


def test_redis_url_switches_celery_to_the_broker():
    result = run(PRINT, DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/3")
    assert json.loads(result.stdout)["eager"] is False


def test_database_url_selects_postgresql():
    result = run(PRINT, DEBUG="true", DATABASE_URL="postgres://u@db:5432/grove")
    assert json.loads(result.stdout)["engine"] == "django.db.backends.postgresql"


def test_production_without_secret_key_refuses_to_start():
    result = run(PRINT)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_bad_time_zone_is_refused():
    result = run(PRINT, DEBUG="true", TIME_ZONE="Mars/Olympus")
    assert "not an IANA time zone" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            # Browser tests allow async-unsafe calls in this process; production never does.
            **{k: v for k, v in os.environ.items() if k not in PRODUCTION_UNSET},
            "SECRET_KEY": "x7!kq2-long-random-production-secret-with-enough-entropy-91f3e0d",
            "ALLOWED_HOSTS": "grove.example.org",
            "SITE_URL": "https://grove.example.org",
            "DATABASE_URL": "sqlite:////tmp/grove-deploy-check.sqlite3",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_csp_header_allows_no_inline_script(client):
    header = client.get("/accounts/login/")["Content-Security-Policy"]
    script_src = next(part for part in header.split(";") if "script-src" in part)
    assert "unsafe-inline" not in script_src and "'self'" in script_src


@pytest.mark.parametrize(
    ("name", "value"),
    [("SECURE_COOKIES", "ture"), ("DEBUG", "yes please"), ("SECURE_SSL_REDIRECT", "flase")],
)
def test_a_mistyped_yes_no_variable_stops_start_up_naming_it(name, value):
    result = run(PRINT, **{"DEBUG": "true", name: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name}={value!r} is not a yes/no value" in result.stderr


def test_the_refusal_lists_the_accepted_yes_no_words():
    result = run(PRINT, DEBUG="true", SECURE_COOKIES="ture")
    assert "use one of: 0, 1, false, no, off, on, true, yes." in result.stderr


@pytest.mark.parametrize("value", ["TRUE", "Yes", "on", "1"])
def test_yes_no_words_are_read_whatever_their_case(value):
    result = run(PRINT, DEBUG=value, SECRET_KEY="x")
    assert json.loads(result.stdout)["debug"] is True


@pytest.mark.parametrize("value", ["fourteen", "-3", "0"])
def test_a_bad_whole_number_stops_start_up_naming_it(value):
    result = run(PRINT, DEBUG="true", INVITATION_MAX_AGE_DAYS=value)
    assert result.returncode != 0
    expected = f"INVITATION_MAX_AGE_DAYS={value!r} must be a whole number of at least 1"
    assert expected in result.stderr


def _deploy_check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in PRODUCTION_UNSET | {"SITE_URL"}},
            "SECRET_KEY": "x7!kq2-long-random-production-secret-with-enough-entropy-91f3e0d",
            "ALLOWED_HOSTS": "grove.example.org",
            "DATABASE_URL": "sqlite:////tmp/grove-deploy-check.sqlite3",
            **env,
        },
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("site_url", [None, "http://grove.example.org"])
def test_deploy_check_warns_without_an_https_site_url(site_url):
    result = _deploy_check(**({"SITE_URL": site_url} if site_url else {}))
    assert result.returncode != 0
    assert "grove.W001" in result.stderr + result.stdout


def test_sqlite_builds_the_covering_indexes_without_a_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in PRODUCTION_UNSET},
            "DEBUG": "true",
            "DATABASE_URL": "sqlite:////tmp/grove-index-check.sqlite3",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "W040" not in result.stdout + result.stderr
