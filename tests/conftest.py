"""Shared fixtures: a real sandbox server on loopback, fresh for each test."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from sandbox import Sandbox
from tests.support import forget_pacing, fresh_sandbox, make_credentials, parse_each_key_once

parse_each_key_once()


@pytest.fixture(scope="session")
def sandbox_credentials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated set of sandbox credentials per test process, copied into each new sandbox."""
    return make_credentials(tmp_path_factory.mktemp("sandbox-credentials"))


@pytest.fixture
def sandbox(tmp_path: Path, sandbox_credentials: Path) -> Iterator[Sandbox]:
    """A started sandbox with demo data, state under a temporary folder."""
    server = fresh_sandbox(tmp_path / "sandbox", sandbox_credentials)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty_sandbox(tmp_path: Path, sandbox_credentials: Path) -> Iterator[Sandbox]:
    """A started sandbox with no demo data: an empty sheet (header only) and an empty board."""
    server = fresh_sandbox(tmp_path / "sandbox", sandbox_credentials, seed=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fresh_pacing() -> None:
    """Each test starts as a new process does: no pacing carried over from an earlier test."""
    forget_pacing()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tier first: the workers share out the long tests while the short ones fill the gaps,
    instead of one worker running a long test alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
