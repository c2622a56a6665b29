"""The record of every API request served, read and cleared through /_sandbox/requests."""
from __future__ import annotations

import threading
import time
from typing import Any, Optional

from sandbox.web import Request


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
