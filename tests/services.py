"""Chooses the services the test run uses, before Django reads its settings.

Loaded as a pytest plugin (`-p tests.services` in pyproject.toml) so it runs first.
- DATABASE_URL / REDIS_URL set: used as given.
- Otherwise PostgreSQL and Redis on 127.0.0.1 are used when they answer.
- With CI set, a service that does not answer fails the run at once.
- Locally, a missing service falls back (SQLite, no broker) and the run says so loudly;
  tests marked `worker` are then skipped with that reason, and so are tests marked
  `row_locks` on SQLite (it takes no row locks: their SQL has no FOR ... UPDATE).
"""

import os
import socket
import sys

import pytest

CI = bool(os.environ.get("CI"))
PG_URL = "postgres://postgres@127.0.0.1:5432/grove"
REDIS_URL = "redis://127.0.0.1:6379/15"

os.environ.setdefault("DEBUG", "true")  # tests run on http; pytest-django turns DEBUG off itself
os.environ.setdefault("SECRET_KEY", "tests-only-secret")
os.environ.setdefault("EMAIL_URL", "consolemail://")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


notes: list[str] = []

if "DATABASE_URL" not in os.environ:
    if _answers("127.0.0.1", 5432):
        os.environ["DATABASE_URL"] = PG_URL
    elif CI:
        sys.exit("CI is set but PostgreSQL does not answer on 127.0.0.1:5432.")
    else:
        notes.append(
            "PostgreSQL is not running: tests use SQLite instead; row-lock tests are SKIPPED."
        )

if "REDIS_URL" not in os.environ:
    if _answers("127.0.0.1", 6379):
        os.environ["TEST_REDIS_URL"] = REDIS_URL
    elif CI:
        sys.exit("CI is set but Redis does not answer on 127.0.0.1:6379.")
    else:
        notes.append("Redis is not running: tests needing a Celery worker are SKIPPED.")
else:
    os.environ["TEST_REDIS_URL"] = os.environ.pop("REDIS_URL")
# The app itself runs tasks in-process during tests; worker tests hand TEST_REDIS_URL
# to the real worker they start (see tests/objectives/conftest.py).


def pytest_runtest_setup(item: pytest.Item) -> None:
    on_sqlite = os.environ.get("DATABASE_URL", "sqlite").startswith("sqlite")
    if item.get_closest_marker("row_locks") and on_sqlite:
        if CI:
            pytest.fail("CI is set but the tests run on SQLite, which takes no row locks.")
        pytest.skip("SQLite takes no row locks: this test needs PostgreSQL.")


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = os.environ.get("DATABASE_URL", "sqlite (fallback)").split("@")[-1]
    lines = [f"grove: database {database}; redis {os.environ.get('TEST_REDIS_URL', 'none')}"]
    lines += [f"grove: WARNING {note}" for note in notes]
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for note in notes:
        terminalreporter.write_line(f"grove: WARNING {note}", red=True, bold=True)
