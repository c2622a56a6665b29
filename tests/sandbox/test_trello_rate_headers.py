"""Trello's rate headers: every answer says where the key, the token and the member stand, as Trello's do."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
import yaml

from sandbox import Sandbox
from tests.sandbox.trello_replay import CASSETTES, load_cassette, seed
from tests.sandbox.trello_support import trello_backend

RECORDED = CASSETTES / "can_move_a_card_to_another_list.yml"


def _rate_headers(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-rate-limit-")}


def _recorded_rate_headers(path: Path) -> list[dict[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [_rate_headers({k: v[0] for k, v in i["response"]["headers"].items()})
            for i in data["http_interactions"]]


def _get(sandbox: Sandbox, path: str) -> requests.Response:
    creds = sandbox.creds
    return requests.get(f"{sandbox.url}{path}", params={"key": creds.trello_key, "token": creds.trello_token},
                        timeout=5)


def test_each_answer_carries_the_recorded_rate_headers_counting_down(empty_sandbox: Sandbox) -> None:
    interactions = load_cassette(RECORDED)
    seed(trello_backend(empty_sandbox), interactions)
    recorded = _recorded_rate_headers(RECORDED)
    assert [h["x-rate-limit-api-token-remaining"] for h in recorded] == ["99", "98", "97"]
    ours = []
    for it in interactions:
        creds = empty_sandbox.creds
        answer = requests.request(it.method, f"{empty_sandbox.url}{it.path}", data=it.body.encode(),
                                  params={"key": creds.trello_key, "token": creds.trello_token},
                                  headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
        assert answer.status_code == it.status
        ours.append(_rate_headers(answer.headers))
    assert ours == recorded


def test_rate_headers_follow_the_limits_in_force_and_a_refusal_shows_none_left(empty_sandbox: Sandbox) -> None:
    board = f"/1/boards/{empty_sandbox.creds.board_id}"
    empty_sandbox.limits.configure({"enabled": True, "scale": 0.5, "limits": {"trello_token": [2, 10]}})
    answers = [_get(empty_sandbox, board) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    headers = [_rate_headers(a.headers) for a in answers]
    assert [h["x-rate-limit-api-token-remaining"] for h in headers] == ["1", "0", "0"]
    assert {h["x-rate-limit-api-token-max"] for h in headers} == {"2"}
    assert {h["x-rate-limit-api-token-interval-ms"] for h in headers} == {"5000"}
    # The refused request is not counted against the key.
    assert [h["x-rate-limit-api-key-remaining"] for h in headers] == ["299", "298", "298"]


def test_rate_headers_count_as_trello_would_while_limits_are_off(empty_sandbox: Sandbox) -> None:
    board = f"/1/boards/{empty_sandbox.creds.board_id}"
    headers = [_rate_headers(_get(empty_sandbox, board).headers) for _ in range(120)]
    remaining = [int(h["x-rate-limit-api-token-remaining"]) for h in headers]
    assert remaining[:3] == [99, 98, 97]
    assert remaining[-1] == 0  # not refused: the limits are off, but the count is Trello's
    assert headers[-1]["x-rate-limit-api-key-remaining"] == "180"
    assert headers[-1]["x-rate-limit-member-remaining"] == "80"
