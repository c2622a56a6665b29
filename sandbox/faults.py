"""Injected faults: latency on every request, and rules that make matching requests fail.

Configured through /_sandbox/faults; the failure's body is the service's own for that status.
"""
from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional

from sandbox.web import Request, Response, aliased, json_response, text_response


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

    def response(self, service_body: Callable[[int], Any]) -> Response:
        """The failure, with the service's own body for its status unless the rule gives one."""
        if self.drop:
            return Response(drop=True)
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = f"{self.retry_after:g}"
        body = self.body if self.body is not None else service_body(self.status)
        if isinstance(body, str):
            return text_response(body, self.status, headers)
        return json_response(body, self.status, headers)


# Other spellings of the control fields that callers reasonably use.
_FAULT_ALIASES = {
    "latency": "latency_ms", "delay_ms": "latency_ms",
    "pattern": "path", "path_pattern": "path", "url": "path",
    "count": "times", "repeat": "times",
    "status_code": "status", "code": "status",
    "retryAfter": "retry_after", "retry_after_s": "retry_after",
    "drop_connection": "drop", "disconnect": "drop",
}


class Faults:
    def __init__(self) -> None:
        self.latency_ms: float = 0.0
        self.rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def configure(self, spec: dict[str, Any]) -> None:
        spec = aliased(spec, _FAULT_ALIASES)
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
                raw = aliased(raw, _FAULT_ALIASES)
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

