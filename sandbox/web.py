"""HTTP primitives of the sandbox: requests in, responses out, and the router between.

Services register routes (method, path regex, handler). What the server adds
on top for every service (faults, limits, the request log) lives in modules of
its own.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, Protocol
from urllib.parse import parse_qs, unquote

Handler = Callable[..., "Response"]


@dataclass
class Request:
    method: str
    path: str  # percent-decoded
    raw_path: str  # as sent, without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    _json: Any = field(default=None, repr=False)

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> "Request":
        raw_path, _, qs = target.partition("?")
        return cls(
            method=method.upper(),
            path=unquote(raw_path),
            raw_path=raw_path,
            query=parse_qs(qs, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def arg(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """A query parameter, else a form or JSON body field (Trello accepts all three)."""
        if name in self.query:
            return self.query[name][0]
        body = self.body_fields()
        if name in body:
            value = body[name]
            if value is None:
                return None
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)
        return default

    def has_arg(self, name: str) -> bool:
        return name in self.query or name in self.body_fields()

    def json(self) -> Any:
        if self._json is None:
            text = self.body.decode("utf-8") if self.body else ""
            self._json = json.loads(text) if text.strip() else {}
        return self._json

    def body_fields(self) -> dict[str, Any]:
        """The body as a flat dict, whether it was sent as JSON or as a form."""
        if not self.body:
            return {}
        ctype = self.header("content-type")
        if "json" in ctype or self.body.lstrip()[:1] in (b"{", b"["):
            try:
                data = self.json()
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


def json_response(obj: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(status, json.dumps(obj).encode("utf-8"), "application/json; charset=utf-8", dict(headers or {}))


def text_response(text: str, status: int, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8", dict(headers or {}))


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler, str]] = []

    def add(self, method: str, pattern: str, handler: Handler, service: str) -> None:
        self._routes.append((method.upper(), re.compile(pattern + r"\Z"), handler, service))

    def match(self, request: Request) -> tuple[Optional[Handler], dict[str, str], Optional[str]]:
        """(handler, path groups, service). A service without a handler: a known path, the wrong method."""
        service = None
        for method, pattern, handler, svc in self._routes:
            m = pattern.match(request.path)
            if not m:
                continue
            service = svc
            if method == request.method:
                return handler, m.groupdict(), svc
        return None, {}, service


def aliased(spec: dict[str, Any], aliases: dict[str, str]) -> dict[str, Any]:
    """A control request's body with other spellings of its fields (that callers reasonably use) renamed."""
    return {aliases.get(k, k): v for k, v in spec.items()}


class App(Protocol):
    def handle(self, request: Request) -> Response: ...


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    app: App

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that goes away mid-request (killed, timed out) is normal for a server, not a
        # traceback on the console; anything else still gets socketserver's report.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this each keep-alive
    # request waits on delayed ACKs (about 40 ms).
    disable_nagle_algorithm = True
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the request log is the record; stderr chatter would leak query strings

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        response = self.server.app.handle(request)
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for k, v in response.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve
