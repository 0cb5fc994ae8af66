"""A local receiver for webhook tests: an HTTP server on 127.0.0.1 in a thread, which
verifies each delivery with the `standardwebhooks` package (an implementation independent
of ours) and answers with the status the test asks for."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import standardwebhooks


@dataclass
class Receiver:
    url: str
    secrets: list[str] = field(default_factory=list)
    answer: int = 204
    received: list[dict] = field(default_factory=list)  # verified deliveries
    refused: list[str] = field(default_factory=list)  # why a delivery did not verify

    def verify(self, body: bytes, headers: dict[str, str]) -> dict | None:
        for secret in self.secrets:
            try:
                return standardwebhooks.Webhook(secret).verify(body, headers)
            except standardwebhooks.WebhookVerificationError as error:
                reason = str(error)
        self.refused.append(reason)
        return None


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # it listens on loopback, over http
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            me = state["receiver"]
            payload = me.verify(body, dict(self.headers.items()))
            if payload is not None:
                # Header names are case-insensitive: kept lower-case here.
                headers = {k.lower(): v for k, v in self.headers.items()}
                me.received.append({"payload": payload, "headers": headers})
            self.send_response(me.answer if payload is not None else 400)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()
