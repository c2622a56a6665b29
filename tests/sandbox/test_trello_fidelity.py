"""Every recorded Trello cassette in scope, replayed against the sandbox, answers as Trello did."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from sandbox import Sandbox
from tests.sandbox.trello_replay import cassettes, replay
from tests.sandbox.trello_support import trello_backend
from tests.support import fresh_sandbox


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sandbox_credentials: Path) -> Iterator[Sandbox]:
    """One sandbox for every cassette (each replay seeds the board it needs from the recording)."""
    server = fresh_sandbox(tmp_path_factory.mktemp("trello-fidelity"), sandbox_credentials, seed=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty(served: Sandbox) -> Sandbox:
    served.reset(seed=False)
    return served


@pytest.mark.parametrize("cassette", cassettes(), ids=lambda p: p.stem)
def test_recorded_trello_traffic_gets_the_recorded_answers(empty: Sandbox, cassette: Path) -> None:
    result = replay(empty, trello_backend(empty), cassette)
    if not result.replayed:
        pytest.skip("; ".join(sorted({reason for _, reason in result.skipped})))
    assert result.mismatches == []
    assert result.matched + bool(result.known) >= result.replayed


def test_the_cassettes_are_there_to_replay() -> None:
    assert len(cassettes()) == 32
