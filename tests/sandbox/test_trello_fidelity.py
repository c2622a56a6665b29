"""Every recorded Trello cassette in scope, replayed against the sandbox, answers as Trello did."""
from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import Sandbox
from tests.sandbox.trello_replay import cassettes, replay
from tests.sandbox.trello_support import trello_model


@pytest.mark.parametrize("cassette", cassettes(), ids=lambda p: p.stem)
def test_recorded_trello_traffic_gets_the_recorded_answers(empty_sandbox: Sandbox, cassette: Path) -> None:
    result = replay(empty_sandbox, trello_model(empty_sandbox), cassette)
    if not result.replayed:
        pytest.skip("; ".join(sorted({reason for _, reason in result.skipped})))
    assert result.mismatches == []
    assert result.matched + bool(result.known) >= result.replayed


def test_the_cassettes_are_there_to_replay() -> None:
    assert len(cassettes()) == 32
