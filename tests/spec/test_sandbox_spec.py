"""The README's The sandbox, from outside: the standalone sandbox, its settings and its control endpoints."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import google.auth.transport.requests
import pytest
import requests
from google.oauth2 import service_account

from tests.spec.conftest import ServedSandbox, read_env_file
from tests.support import MAIN, REPO, clean_env

SETTINGS = ("GOOGLE_API_URL", "TRELLO_API_URL", "GOOGLE_CREDENTIALS_PATH", "SPREADSHEET_ID", "TRELLO_API_KEY",
            "TRELLO_TOKEN", "TRELLO_BOARD_ID")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trello_get(sb: ServedSandbox, path: str, **params: str) -> requests.Response:
    params = {"key": sb.settings["TRELLO_API_KEY"], "token": sb.settings["TRELLO_TOKEN"], **params}
    return requests.get(f"{sb.url}{path}", params=params, timeout=10)


def test_main_sandbox_prints_and_writes_every_setting(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(MAIN), "sandbox", "--port", str(port)], cwd=tmp_path,
                            env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        banner = ""
        for line in proc.stdout:
            banner += line
            if "Ctrl-C" in line:
                break
        env = read_env_file(tmp_path / "data" / "sandbox" / "sandbox.env")
        assert set(SETTINGS) <= set(env)
        for name in SETTINGS:
            assert f"{name}={env[name]}" in banner
        assert env["GOOGLE_API_URL"] == env["TRELLO_API_URL"] == f"http://127.0.0.1:{port}"
        key = json.loads(Path(env["GOOGLE_CREDENTIALS_PATH"]).read_text())
        assert key["type"] == "service_account" and key["token_uri"] == f"http://127.0.0.1:{port}/token"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_any_gspread_and_trello_script_works_through_the_session_factory(sb: ServedSandbox, tmp_path: Path) -> None:
    script = f"""
import sys; sys.path.insert(0, {str(REPO)!r})
import gspread, trello
from core.config import load_settings
from clients.http import build_google_session, build_trello_session
s = load_settings(env_file={str(sb.data_dir / 'sandbox.env')!r})
sheet = gspread.Client(None, session=build_google_session(s)).open_by_key(s.spreadsheet_id).sheet1
board = trello.TrelloClient(s.trello_api_key, token=s.trello_token,
                            http_service=build_trello_session(s)).get_board(s.trello_board_id)
print(sheet.row_values(1), sorted(l.name for l in board.list_lists()))
"""
    # Run from a folder of its own: the session keeps its Sheets quota count under data/ there.
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=clean_env(), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "'trello_card_id'" in out.stdout and "'IN_PROGRESS'" in out.stdout


def test_request_log_lists_method_path_status_and_delete_clears_it(sb: ServedSandbox) -> None:
    sb.control("DELETE", "requests")
    assert trello_get(sb, f"/1/boards/{sb.settings['TRELLO_BOARD_ID']}/lists").status_code == 200
    assert trello_get(sb, "/1/cards/" + "0" * 24).status_code == 404
    log = sb.requests_log()
    assert [(r["method"], r["status"]) for r in log] == [("GET", 200), ("GET", 404)]
    assert log[0]["path"] == f"/1/boards/{sb.settings['TRELLO_BOARD_ID']}/lists"
    sb.control("DELETE", "requests")
    assert sb.requests_log() == []


def test_trello_needs_key_and_token_in_query_or_oauth_header(sb: ServedSandbox) -> None:
    path = f"{sb.url}/1/boards/{sb.settings['TRELLO_BOARD_ID']}"
    assert requests.get(path, timeout=10).status_code == 401
    assert requests.get(path, params={"key": sb.settings["TRELLO_API_KEY"], "token": "nope"},
                        timeout=10).status_code == 401
    header = (f'OAuth oauth_consumer_key="{sb.settings["TRELLO_API_KEY"]}", '
              f'oauth_token="{sb.settings["TRELLO_TOKEN"]}"')
    assert requests.get(path, headers={"Authorization": header}, timeout=10).status_code == 200


def test_sheets_without_a_bearer_token_get_401(sb: ServedSandbox) -> None:
    response = requests.get(f"{sb.url}/v4/spreadsheets/{sb.settings['SPREADSHEET_ID']}", timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"


def test_fault_rule_fails_n_times_then_passes(sb: ServedSandbox) -> None:
    sb.control("POST", "faults", {"rules": [{"path": "/1/boards/*", "method": "GET", "status": 503, "times": 2,
                                             "retry_after": 1}]})
    board = f"/1/boards/{sb.settings['TRELLO_BOARD_ID']}"
    first = trello_get(sb, board)
    assert first.status_code == 503 and first.headers.get("Retry-After") == "1"
    assert trello_get(sb, board).status_code == 503
    assert trello_get(sb, board).status_code == 200
    sb.control("POST", "faults", {"rules": [{"path": "/1/boards/*", "drop": True, "times": 1}]})
    with pytest.raises(requests.ConnectionError):
        trello_get(sb, board)
    assert trello_get(sb, board).status_code == 200


def test_limits_answer_with_trellos_real_429(sb: ServedSandbox) -> None:
    sb.control("POST", "limits", {"enabled": True, "scale": 1.0})
    board = f"/1/boards/{sb.settings['TRELLO_BOARD_ID']}/lists"
    codes = [trello_get(sb, board).status_code for _ in range(101)]
    assert codes[:100] == [200] * 100
    refused = trello_get(sb, board)
    assert refused.status_code == 429
    assert "API_TOKEN_LIMIT_EXCEEDED" in refused.text or "rate limit" in refused.text.lower()
    sb.control("DELETE", "limits")
    assert trello_get(sb, board).status_code == 200


def test_limits_answer_with_sheets_real_429(sb: ServedSandbox) -> None:
    # A plain token from the generated key (its token_uri is the sandbox), and no retrying client.
    creds = service_account.Credentials.from_service_account_file(
        sb.settings["GOOGLE_CREDENTIALS_PATH"], scopes=["https://www.googleapis.com/auth/spreadsheets"])
    creds.refresh(google.auth.transport.requests.Request())
    url = f"{sb.url}/v4/spreadsheets/{sb.settings['SPREADSHEET_ID']}/values/A1"
    headers = {"Authorization": f"Bearer {creds.token}"}
    sb.control("POST", "limits", {"enabled": True, "scale": 1.0})
    codes = [requests.get(url, headers=headers, timeout=10) for _ in range(61)]
    sb.control("DELETE", "limits")
    assert [r.status_code for r in codes[:60]] == [200] * 60
    assert codes[60].status_code == 429
    assert codes[60].json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_reset_brings_back_the_demo_or_empties_everything(sb: ServedSandbox) -> None:
    sb.worksheet().append_row(["99", "Extra", "e@x.example", "NEW", "Web", ""])
    sb.control("POST", "reset", {"seed": True})
    values = sb.worksheet().get_all_values()
    assert len(values) == 13 and values[0] == ["id", "name", "email", "status", "source", "trello_card_id"]
    sb.control("POST", "reset", {"seed": False})
    assert len(sb.worksheet().get_all_values()) <= 1
    assert sb.cards() == []


def test_sandbox_binds_loopback_only(sb: ServedSandbox) -> None:
    out = subprocess.run([sys.executable, "-m", "sandbox", "--port", "0", "--host", "0.0.0.0",
                          "--data-dir", str(sb.data_dir.parent / "other")],
                         cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    port = int(sb.url.rsplit(":", 1)[1])
    ip = _non_loopback_ip()
    if ip:
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex((ip, port)) != 0


def _non_loopback_ip() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
        except OSError:
            return ""
    return "" if ip.startswith("127.") else ip


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "terminate"])
def test_state_survives_a_restart(tmp_path: Path, stop: signal.Signals) -> None:
    first = ServedSandbox(tmp_path / "sb")
    try:
        first.worksheet().append_row(["99", "Kept", "k@x.example", "NEW", "Web", ""])
        todo = next(lst for lst in first.board().all_lists() if lst.name == "TODO")
        todo.add_card("Kept card", "")
    finally:
        first.proc.send_signal(stop)  # at once: the last writes must not be lost either way
        first.proc.wait(timeout=10)
    second = ServedSandbox(tmp_path / "sb")
    try:
        assert second.settings["SPREADSHEET_ID"] == first.settings["SPREADSHEET_ID"]
        assert second.worksheet().get_all_values()[-1][:2] == ["99", "Kept"]
        assert [c.name for c in second.cards()] == ["Kept card"]
    finally:
        second.stop()
