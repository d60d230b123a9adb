"""A local fake of Twilio's REST API (Messages and a recording file), so the
real ``twilio`` client is driven in tests without reaching the internet."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

AUDIO = b"RIFF" + b"\x00" * 40


@dataclass
class FakeTwilio:
    base: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_with: dict[str, Any] | None = None
    status: str = "queued"


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    state = FakeTwilio()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _auth(self) -> tuple[str, str]:
            raw = self.headers.get("Authorization", "")
            if not raw.startswith("Basic "):
                return "", ""
            user, _, password = base64.b64decode(raw[6:]).decode().partition(":")
            return user, password

        def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            state.requests.append({"method": "POST", "path": self.path, "form": form, "auth": self._auth()})
            if state.fail_with is not None:
                self._send(400, json.dumps(state.fail_with).encode())
                return
            account = self.path.split("/")[3]
            sid = f"SM{len(state.requests):032d}"
            body = {
                "sid": sid,
                "account_sid": account,
                "from": form.get("From"),
                "to": form.get("To"),
                "body": form.get("Body"),
                "status": state.status,
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "error_code": None,
                "error_message": None,
                "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            }
            self._send(201, json.dumps(body).encode())

        def do_GET(self) -> None:
            state.requests.append({"method": "GET", "path": self.path, "auth": self._auth()})
            if "/Recordings/" in self.path:
                self._send(200, AUDIO, "audio/x-wav")
            else:
                self._send(404, b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
