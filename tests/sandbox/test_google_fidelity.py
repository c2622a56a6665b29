"""Fidelity: gspread's recorded Sheets/Drive traffic replayed against the sandbox gets the recorded answers."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from google.auth.transport.requests import Request

from sandbox import Sandbox
from tests.sandbox.google_replay import CASSETTES, Outcome, cassette_names, replay
from tests.sandbox.google_support import credentials

pytestmark = pytest.mark.skipif(not CASSETTES.is_dir(), reason=f"no recordings at {CASSETTES}")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """Every cassette replayed once, in order, on one sandbox (each creates its own spreadsheets)."""
    server = Sandbox(Path(tmp_path_factory.mktemp("google-fidelity")), port=0)
    server.start()
    try:
        creds = credentials(server)
        creds.refresh(Request())
        yield {name: replay(server, name, creds.token) for name in cassette_names()}
    finally:
        server.stop()


@pytest.mark.parametrize("name", cassette_names())
def test_recorded_google_answers_are_reproduced(outcomes: dict[str, Outcome], name: str) -> None:
    outcome = outcomes[name]
    if outcome.skipped_reason:
        pytest.skip(outcome.skipped_reason)
    assert outcome.replayed > 0
    assert outcome.mismatches == [], "\n".join(outcome.mismatches)


def test_fidelity_tally_counts_every_recorded_interaction(outcomes: dict[str, Outcome],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    replayed = [o for o in outcomes.values() if not o.skipped_reason]
    skipped = [o for o in outcomes.values() if o.skipped_reason]
    interactions = sum(o.replayed for o in replayed)
    matched = sum(o.matched for o in replayed)
    with capsys.disabled():
        print(f"\nGoogle fidelity: {len(replayed)} cassettes replayed, {matched}/{interactions} interactions "
              f"matched, {len(skipped)} skipped")
        for o in skipped:
            print(f"  skipped {o.cassette}: {o.skipped_reason}")
    assert len(replayed) + len(skipped) == len(cassette_names()) > 0
    assert interactions > 0
