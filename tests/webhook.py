"""A real webhook receiver for notification tests: an HTTP server on 127.0.0.1 (port 0) in a
background thread that keeps every request it gets (apprise's json:// and form:// POST to it)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    body: bytes

    def json(self) -> Any:
        """The body as JSON (apprise json:// sends title, message, type)."""
        return json.loads(self.body)


@dataclass
class Receiver:
    """The running receiver: where it listens and what it got."""

    port: int
    requests: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hook/tok3n-Secret-Value") -> str:
        """An apprise json:// URL pointing here (the path plays a webhook token)."""
        return f"json://127.0.0.1:{self.port}{path}"


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """Start a receiver for the duration of the block."""
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            receiver.requests.append(Received("POST", self.path, self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: object) -> None:  # quiet: tests read `requests`
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
