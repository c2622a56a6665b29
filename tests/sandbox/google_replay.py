"""Replays gspread's recorded Sheets/Drive cassettes against the sandbox and compares the answers."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote, unquote, urlsplit

import requests

from sandbox import Sandbox
from tests.sandbox.google_support import google_backend

CASSETTES = Path(__file__).resolve().parents[1] / "fidelity" / "gspread_cassettes"
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")
SPREADSHEET_ID = re.compile(r"[A-Za-z0-9_-]{40,50}\Z")
SERVICE_HOSTS = ("sheets.googleapis.com", "www.googleapis.com")

# Cassettes left out of the replay, with the reason (none today: every recorded call is in scope).
SKIPPED: dict[str, str] = {}


@dataclass
class Outcome:
    cassette: str
    replayed: int = 0
    matched: int = 0
    mismatches: list[str] = field(default_factory=list)
    skipped_reason: Optional[str] = None


@dataclass
class Ids:
    """Recorded ids mapped to the ones the sandbox handed out during the replay."""

    spreadsheets: dict[str, str] = field(default_factory=dict)
    sheets: dict[int, int] = field(default_factory=dict)

    def text(self, value: str) -> str:
        for old, new in self.spreadsheets.items():
            value = value.replace(old, new)
        return value

    def json(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if isinstance(value, str):
            return self.text(value)
        if key == "sheetId" and isinstance(value, int) and not isinstance(value, bool):
            return self.sheets.get(value, value)
        return value


def cassette_names() -> list[str]:
    return sorted(p.stem for p in CASSETTES.glob("*.json"))


def replay(sandbox: Sandbox, name: str, token: str) -> Outcome:
    outcome = Outcome(name)
    if name in SKIPPED:
        outcome.skipped_reason = SKIPPED[name]
        return outcome
    interactions = json.loads((CASSETTES / f"{name}.json").read_text(encoding="utf-8"))["interactions"]
    ids = Ids()
    http = requests.Session()
    for number, interaction in enumerate(interactions):
        recorded_req, recorded_resp = interaction["request"], interaction["response"]
        _prepare_foreign_spreadsheet(sandbox, recorded_req, recorded_resp, ids)
        response = _send(http, sandbox, recorded_req, ids, token)
        expected_body = _body(recorded_resp["body"]["string"])
        actual_body = _body(response.text)
        _learn_ids(ids, recorded_req, expected_body, actual_body)
        outcome.replayed += 1
        problems = compare(recorded_resp["status"]["code"], ids.json(expected_body), response.status_code, actual_body)
        if problems:
            outcome.mismatches.append(f"#{number} {recorded_req['method']} {_short(recorded_req['uri'])}: "
                                      + "; ".join(problems))
        else:
            outcome.matched += 1
    return outcome


def _prepare_foreign_spreadsheet(sandbox: Sandbox, req: dict[str, Any], resp: dict[str, Any], ids: Ids) -> None:
    """A 403 was recorded against someone else's spreadsheet: give the sandbox one like it."""
    if resp["status"]["code"] != 403:
        return
    m = re.search(r"/spreadsheets/([^/?:]+)", req["uri"])
    if m and m.group(1) not in ids.spreadsheets:
        google_backend(sandbox).add_spreadsheet(m.group(1), "Someone else's sheet", ["owner@example.com"])


def _send(http: requests.Session, sandbox: Sandbox, req: dict[str, Any], ids: Ids, token: str) -> requests.Response:
    parts = urlsplit(req["uri"])
    assert parts.hostname in SERVICE_HOSTS, req["uri"]
    path = quote(ids.text(unquote(parts.path)), safe="/:!'$&()*+,;=@")
    query = ids.text(parts.query)
    url = f"{sandbox.url}{path}" + (f"?{query}" if query else "")
    headers = {"Authorization": f"Bearer {token}"}
    body = req["body"]
    data: Optional[bytes] = None
    if body is not None:
        try:
            data = json.dumps(ids.json(json.loads(body))).encode("utf-8")
        except ValueError:
            data = ids.text(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    return http.request(req["method"], url, data=data, headers=headers, timeout=10)


def _learn_ids(ids: Ids, req: dict[str, Any], expected: Any, actual: Any) -> None:
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        return
    if req["method"] == "POST" and "/drive/v3/files" in req["uri"] and "id" in expected and "id" in actual:
        ids.spreadsheets[expected["id"]] = actual["id"]
    for old, new in zip(expected.get("replies", []), actual.get("replies", []), strict=False):
        if "addSheet" in old and "addSheet" in new:
            ids.sheets[old["addSheet"]["properties"]["sheetId"]] = new["addSheet"]["properties"]["sheetId"]


def _body(text: str) -> Any:
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _short(uri: str) -> str:
    parts = urlsplit(uri)
    return unquote(parts.path)[-70:] + (f"?{unquote(parts.query)}"[:60] if parts.query else "")


def compare(expected_status: int, expected: Any, status: int, actual: Any) -> list[str]:
    """What a client would notice: status, then every field of the body (times by shape only)."""
    if expected_status != status:
        return [f"status {status} != recorded {expected_status} ({json.dumps(actual)[:200]})"]
    problems: list[str] = []
    _compare_value(expected, actual, "body", problems)
    return problems


def _compare_value(expected: Any, actual: Any, where: str, problems: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            if key not in actual:
                problems.append(f"{where}.{key} missing")
            else:
                _compare_value(expected[key], actual[key], f"{where}.{key}", problems)
        for key in actual:
            if key not in expected:
                problems.append(f"{where}.{key} not in recording")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            problems.append(f"{where}: {len(actual)} items != recorded {len(expected)}: {json.dumps(actual)[:200]}")
            return
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _compare_value(e, a, f"{where}[{i}]", problems)
        return
    if isinstance(expected, str) and ISO_MS.match(expected):
        if not (isinstance(actual, str) and ISO_MS.match(actual)):
            problems.append(f"{where}: {actual!r} is not an ISO time with milliseconds")
        return
    if where.endswith((".id", ".spreadsheetId")) and isinstance(expected, str) and SPREADSHEET_ID.match(expected):
        if not (isinstance(actual, str) and SPREADSHEET_ID.match(actual)):
            problems.append(f"{where}: {actual!r} does not look like a spreadsheet id")
        return
    if expected != actual or type(expected) is not type(actual):
        problems.append(f"{where}: {actual!r} != recorded {expected!r}")
