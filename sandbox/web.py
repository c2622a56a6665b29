"""The thin HTTP layer of the sandbox: requests in, model calls, responses out.

Services register routes (method, path regex, handler). The layer adds what
every service shares: the request log, injected faults (latency, error
statuses, dropped connections) and the rate limiter's bookkeeping.
"""
from __future__ import annotations

import fnmatch
import json
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
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

    def match(self, request: Request) -> tuple[Optional[Handler], dict[str, str], Optional[str], bool]:
        """(handler, path groups, service, path_known). path_known without handler: wrong method."""
        path_known = False
        service = None
        for method, pattern, handler, svc in self._routes:
            m = pattern.match(request.path)
            if not m:
                continue
            path_known, service = True, svc
            if method == request.method:
                return handler, m.groupdict(), svc, True
        return None, {}, service, path_known


@dataclass
class FaultRule:
    """Make matching requests fail `times` times (0: for ever)."""

    path: str = "*"  # glob on the decoded path, e.g. "/1/cards*"
    method: str = "*"
    status: int = 503
    times: int = 1
    retry_after: Optional[float] = None
    drop: bool = False  # drop the connection instead of answering
    after: bool = False  # perform the request first, then fail (an ambiguous failure)
    skip: int = 0  # let this many matching requests through before failing
    body: Optional[Any] = None
    seen: int = 0
    fired: int = 0

    def matches(self, request: Request) -> bool:
        # A glob and nothing else: read as a regular expression, "/1/*" also matched
        # Google paths (any "/1" in a spreadsheet id).
        return self.method in ("*", request.method) and fnmatch.fnmatchcase(request.path, self.path)

    def exhausted(self) -> bool:
        return self.times > 0 and self.fired >= self.times

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


# Other spellings of the control fields that callers reasonably use.
_FAULT_ALIASES = {
    "latency": "latency_ms", "delay_ms": "latency_ms",
    "pattern": "path", "path_pattern": "path", "url": "path",
    "count": "times", "repeat": "times",
    "status_code": "status", "code": "status",
    "retryAfter": "retry_after", "retry_after_s": "retry_after",
    "drop_connection": "drop", "disconnect": "drop",
}
_LIMIT_ALIASES = {"on": "enabled", "window_scale": "scale", "time_scale": "scale"}


def _aliased(spec: dict[str, Any], aliases: dict[str, str]) -> dict[str, Any]:
    return {aliases.get(k, k): v for k, v in spec.items()}


class Faults:
    def __init__(self) -> None:
        self.latency_ms: float = 0.0
        self.rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def configure(self, spec: dict[str, Any]) -> None:
        spec = _aliased(spec, _FAULT_ALIASES)
        rules = list(spec.get("rules") or [])
        if not rules and ("status" in spec or "drop" in spec):
            rules = [spec]  # a single rule given at the top level
        with self._lock:
            if spec.get("clear"):
                self.rules = []
                self.latency_ms = 0.0
            if "latency_ms" in spec:
                self.latency_ms = float(spec["latency_ms"] or 0)
            for raw in rules:
                raw = _aliased(raw, _FAULT_ALIASES)
                allowed = {k: raw[k] for k in raw if k in FaultRule.__dataclass_fields__ and k not in ("seen", "fired")}
                rule = FaultRule(**allowed)
                rule.method = rule.method.upper()
                self.rules.append(rule)

    def clear(self) -> None:
        self.configure({"clear": True})

    def pick(self, request: Request) -> Optional[FaultRule]:
        with self._lock:
            for rule in self.rules:
                if rule.exhausted() or not rule.matches(request):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                rule.fired += 1
                return rule
        return None

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {"latency_ms": self.latency_ms, "rules": [r.as_dict() for r in self.rules]}


# Trello refuses answers that would carry too many cards; it does not say how many, so this is ours.
DEFAULT_MAX_CARDS = 10000
# The real limits: (requests, window in seconds).
REAL_LIMITS: dict[str, tuple[int, float]] = {
    "trello_token": (100, 10.0),
    "trello_key": (300, 10.0),
    "trello_member": (200, 10.0),
    "sheets_read": (60, 60.0),
    "sheets_write": (60, 60.0),
}


@dataclass(frozen=True)
class Standing:
    """Where one bucket stands once a request is counted: what Trello's x-rate-limit-* headers report."""

    kind: str
    limit: int
    interval_ms: int
    remaining: int


class Limits:
    """Sliding-window rate limits, enforced once switched on through /_sandbox/limits.

    Requests are counted either way, so that answers can say where a client stands
    (Trello's rate headers): while off, against the real limits, as the real
    services would count them; while on, against the configured (scaled) ones.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = False
        self.scale = 1.0
        self.limits = dict(REAL_LIMITS)
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._clock = clock
        self._lock = threading.Lock()
        self.refused = 0
        self.max_cards = DEFAULT_MAX_CARDS  # the most cards one Trello answer may carry

    def configure(self, spec: dict[str, Any]) -> None:
        spec = _aliased(spec, _LIMIT_ALIASES)
        with self._lock:
            self.enabled = bool(spec.get("enabled", True))
            self.scale = float(spec.get("scale", 1.0))
            self.limits = dict(REAL_LIMITS)
            overrides = dict(spec.get("limits") or {})
            overrides.update({k: v for k, v in spec.items() if k in REAL_LIMITS})
            for kind, value in overrides.items():
                if kind in self.limits:
                    self.limits[kind] = (int(value[0]), float(value[1]))
            self._hits.clear()
            self.refused = 0
            self.max_cards = int(spec.get("max_cards", DEFAULT_MAX_CARDS))

    def window(self, kind: str) -> tuple[int, float]:
        """The limit in force: configured and scaled while on, the real one while off."""
        if not self.enabled:
            return REAL_LIMITS[kind]
        count, seconds = self.limits[kind]
        return count, seconds * self.scale

    def hit(self, *buckets: tuple[str, str]) -> Optional[tuple[str, float]]:
        """Count one request against each (kind, identity) bucket.

        Returns (kind, seconds until a slot frees) for the first bucket that is
        full while limits are on, counting nothing; None when the request may go ahead.
        """
        now = self._clock()
        with self._lock:
            for kind, ident in buckets:
                count, seconds = self.window(kind)
                hits = self._pruned(kind, ident, now)
                if self.enabled and len(hits) >= count:
                    self.refused += 1
                    return kind, max(0.0, hits[0] + seconds - now)
            for kind, ident in buckets:
                self._hits[(kind, ident)].append(now)
        return None

    def standing(self, kind: str, ident: str) -> Standing:
        with self._lock:
            count, seconds = self.window(kind)
            used = len(self._pruned(kind, ident, self._clock()))
        return Standing(kind, count, int(round(seconds * 1000)), max(0, count - used))

    def _pruned(self, kind: str, ident: str, now: float) -> deque[float]:
        hits = self._hits[(kind, ident)]
        seconds = self.window(kind)[1]
        while hits and hits[0] <= now - seconds:
            hits.popleft()
        return hits

    def as_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "scale": self.scale,
            "limits": {k: list(v) for k, v in self.limits.items()},
            "refused": self.refused,
            "max_cards": self.max_cards,
        }


class RequestLog:
    """Every API request served: method, path, query, status, service."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, request: Request, status: Optional[int], service: Optional[str], note: str = "") -> None:
        query = "&".join(f"{k}={v}" for k, vals in request.query.items() for v in vals)
        entry = {
            "time": time.time(),
            "method": request.method,
            "path": request.raw_path,
            "query": query,
            "status": status,
            "service": service,
        }
        if note:
            entry["note"] = note
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
