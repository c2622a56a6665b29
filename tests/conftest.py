"""Shared fixtures: a real sandbox server on loopback, fresh for each test."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from sandbox import Sandbox


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A started sandbox with demo data, state under a temporary folder."""
    server = Sandbox(tmp_path / "sandbox", port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A started sandbox with no demo data: an empty sheet (header only) and an empty board."""
    server = Sandbox(tmp_path / "sandbox", port=0, seed=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()
