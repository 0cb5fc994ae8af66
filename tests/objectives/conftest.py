"""Fixtures for report tests: a mail server that fails on cue, and real Celery workers."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from smtplib import SMTPServerDisconnected

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

ROOT = Path(__file__).resolve().parents[2]


class FlakyMailBackend(BaseEmailBackend):
    """An in-process mail server that drops the first `failures` sends."""

    failures = 0
    sent: list = []

    def send_messages(self, messages: list) -> int:
        if FlakyMailBackend.failures > 0:
            FlakyMailBackend.failures -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        FlakyMailBackend.sent.extend(messages)
        return len(messages)


@pytest.fixture(autouse=True)
def _reset_flaky_mail() -> None:
    FlakyMailBackend.failures = 0
    FlakyMailBackend.sent = []


# ---------------------------------------------------------------- a real SMTP server


class _Refuse(asyncio.Protocol):
    """What a busy mail server says before hanging up."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(b"421 Service not available, try again later\r\n")
        transport.close()


class _Stall(asyncio.Protocol):
    """A mail server that hangs: it takes the connection and never greets."""


class FakeSMTPServer(Controller):
    """aiosmtpd on a free local port that records every message. The first `stall_first`
    connections hang before the greeting; otherwise the first `refuse_first` are refused
    with 421."""

    def __init__(self, refuse_first: int = 0) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        super().__init__(self, hostname="127.0.0.1", port=port)
        self.lock = threading.Lock()
        self.refuse_first = refuse_first
        self.stall_first = 0
        self.connections = 0
        self.messages: list[tuple[list[str], bytes]] = []

    def start(self) -> None:
        super().start()
        # start() opens one connection itself to check that the server is up.
        self.connections = 0

    def factory(self) -> SMTP | asyncio.Protocol:  # type: ignore[override]
        with self.lock:
            self.connections += 1
            refuse = self.connections <= self.refuse_first
            stall = self.connections <= self.stall_first
        if stall:
            return _Stall()
        return _Refuse() if refuse else super().factory()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content or b""))
        return "250 OK queued"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp_server() -> Iterator[FakeSMTPServer]:
    server = FakeSMTPServer()
    server.start()
    yield server
    server.stop()


# ---------------------------------------------------------------- real Celery workers


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but no Redis is available for the worker tests.")
        pytest.skip("Redis is not running: worker tests need a real Redis (see tests/services.py).")
    return url


class Worker:
    def __init__(self, process: subprocess.Popen, log: list[str]) -> None:
        self.process = process
        self.log = log

    def kill(self) -> None:
        """SIGKILL: no chance to finish, acknowledge or clean up."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


class Workers:
    """Starts `celery -A config worker` processes against the test database and a queue
    of this test's own, and sends tasks to that queue."""

    def __init__(self, redis_url: str, env: dict[str, str]) -> None:
        from celery import Celery

        self.queue = f"grove-test-{uuid.uuid4().hex[:10]}"
        self.redis_url = redis_url
        self.env = env | {"CELERY_QUEUE": self.queue}
        self.started: list[Worker] = []
        self.sender = Celery(broker=redis_url, set_as_current=False)

    def start(self, **extra_env: str) -> Worker:
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool=solo", "-Ofair", "--without-heartbeat", "--without-gossip",
            "--without-mingle", "--loglevel=INFO", "-Q", self.queue,
            "-n", f"{self.queue}-{len(self.started)}@%h",
        ]  # fmt: skip
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env | extra_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        log: list[str] = []
        ready = threading.Event()

        def read() -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                log.append(line)
                if " ready." in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        worker = Worker(process, log)
        self.started.append(worker)
        if not ready.wait(timeout=30):
            worker.kill()
            pytest.fail("The Celery worker did not start:\n" + "".join(log[-40:]))
        return worker

    def send(self, task: str, *args: object) -> None:
        self.sender.send_task(task, args=args, queue=self.queue)

    def stop_all(self) -> None:
        for worker in self.started:
            worker.kill()
        import redis

        client = redis.Redis.from_url(self.redis_url)
        client.delete(
            self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"
        )
        # A killed worker leaves its unacknowledged task in kombu's "unacked" hash, to be
        # restored an hour later into this test's queue; drop it now.
        for tag, raw in client.hgetall("unacked").items():
            if self.queue.encode() in raw:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        client.close()
        self.sender.close()


def wait_for(check: Callable[[], bool], *, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()


@pytest.fixture
def workers(transactional_db) -> Iterator[Workers]:
    """Real workers; they stop before the test database is flushed."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("Worker tests need PostgreSQL: the SQLite test database is in memory.")
    redis_url = _redis_url()
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"TEST_REDIS_URL", "PYTEST_CURRENT_TEST", "CELERY_QUEUE"}
    } | {
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "SECRET_KEY": "worker-tests-only",
        "EMAIL_URL": "consolemail://",
        "DATABASE_POOL_MAX": "2",
    }
    pool = Workers(redis_url, env)
    yield pool
    pool.stop_all()
