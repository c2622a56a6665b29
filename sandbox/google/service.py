"""Stub: replaced by the real google service."""
from __future__ import annotations

from typing import Any

from sandbox.web import Router


class GoogleService:
    name = "google"

    def __init__(self, context: Any) -> None:
        self.context = context

    def register(self, router: Router) -> None:
        pass

    def to_dict(self) -> dict[str, Any]:
        return {}

    def load(self, data: dict[str, Any]) -> None:
        pass

    def seed_demo(self) -> None:
        pass

    def clear(self) -> None:
        pass
