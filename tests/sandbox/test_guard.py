"""The sandbox's locks: its own address only, no other web page, the token for control and the web view."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from sandbox import Sandbox


def test_control_endpoints_need_the_token(sandbox: Sandbox) -> None:
    for method, name in (("GET", "settings"), ("GET", "requests"), ("POST", "reset"), ("POST", "faults"),
                         ("POST", "limits"), ("GET", "view")):
        answer = requests.request(method, f"{sandbox.url}/_sandbox/{name}", timeout=10, json={})
        assert answer.status_code == 401, (method, name)
        assert sandbox.creds.trello_token not in answer.text and "Maria" not in answer.text
        wrong = requests.request(method, f"{sandbox.url}/_sandbox/{name}", timeout=10, json={},
                                 headers={"Authorization": "Bearer " + "x" * 43})
        assert wrong.status_code == 401, (method, name)
    answer = requests.get(f"{sandbox.url}/_sandbox/settings", headers=sandbox.control_headers(), timeout=10)
    assert answer.status_code == 200 and answer.json()["TRELLO_TOKEN"] == sandbox.creds.trello_token


def test_a_forged_cross_site_post_cannot_reset_the_demo(sandbox: Sandbox) -> None:
    # What a web page can send without asking: a text/plain form POST, no token.
    answer = requests.post(f"{sandbox.url}/_sandbox/reset", data='{"seed": false}', timeout=10,
                           headers={"Content-Type": "text/plain", "Origin": "https://evil.example"})
    assert answer.status_code == 403
    refused = requests.post(f"{sandbox.url}/_sandbox/reset", json={"seed": False}, timeout=10,
                            headers={**sandbox.control_headers(), "Origin": "https://evil.example"})
    assert refused.status_code == 403
    view = requests.get(f"{sandbox.url}/_sandbox/view", headers=sandbox.control_headers(), timeout=10).json()
    assert len(view["sheet"]["rows"]) == 13


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "127.0.0.2:{port}", ""])
def test_requests_addressed_to_another_host_are_refused(sandbox: Sandbox, host: str) -> None:
    # DNS rebinding: a name that resolves to 127.0.0.1 still sends its own Host header.
    headers = {**sandbox.control_headers(), "Host": host.format(port=sandbox.port)}
    for path in ("/_sandbox/settings", f"/1/boards/{sandbox.creds.board_id}", "/"):
        answer = requests.get(sandbox.url + path, headers=headers, timeout=10, allow_redirects=False)
        assert answer.status_code == 403, path
        assert sandbox.creds.trello_key not in answer.text


def test_the_sandboxs_own_names_and_origins_are_served(sandbox: Sandbox) -> None:
    for host in (f"127.0.0.1:{sandbox.port}", f"localhost:{sandbox.port}"):
        headers = {**sandbox.control_headers(), "Host": host, "Origin": f"http://{host}"}
        assert requests.get(f"{sandbox.url}/_sandbox/requests", headers=headers, timeout=10).status_code == 200


def test_the_web_view_never_serves_lead_data_without_the_token(sandbox: Sandbox) -> None:
    page = requests.get(sandbox.url + "/", timeout=10)  # the page's shell: it asks for the token itself
    assert page.status_code == 200 and "needs the sandbox's token" in page.text
    for path in ("/_sandbox/view", "/_sandbox/view?after=-1"):
        answer = requests.get(sandbox.url + path, timeout=10)
        assert answer.status_code == 401, path
    wrong = requests.post(sandbox.url + "/_sandbox/session", timeout=10,
                          headers={"Authorization": "Bearer " + "y" * 43})
    assert wrong.status_code == 401 and "Set-Cookie" not in wrong.headers
    edit = requests.post(f"{sandbox.url}/_sandbox/view/edit", json={"op": "delete_row", "row": 2}, timeout=10)
    assert edit.status_code == 401
    forged = requests.get(f"{sandbox.url}/_sandbox/view", cookies={"worklead_sandbox": "0" * 64}, timeout=10)
    assert forged.status_code == 401
    for answer in (page, wrong, edit, forged):
        assert "Maria" not in answer.text and "brightlane" not in answer.text


def test_the_printed_address_keeps_the_token_in_its_fragment_and_the_page_trades_it_for_a_session(
        sandbox: Sandbox) -> None:
    assert sandbox.web_url == f"{sandbox.url}/#token={sandbox.token}"  # never sent in a request line
    browser = requests.Session()
    page = browser.get(sandbox.web_url, timeout=10)
    assert page.status_code == 200 and "app.js" in page.text and "Maria" not in page.text
    assert browser.get(f"{sandbox.url}/_sandbox/view", timeout=10).status_code == 401
    opened = browser.post(f"{sandbox.url}/_sandbox/session", headers=sandbox.control_headers(), timeout=10)
    cookie = opened.headers["Set-Cookie"]
    assert opened.status_code == 204
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and sandbox.token not in cookie
    assert page.headers["Referrer-Policy"] == "no-referrer" and "script-src 'self'" in page.headers[
        "Content-Security-Policy"]
    view = browser.get(f"{sandbox.url}/_sandbox/view", timeout=10).json()
    assert view["sheet"]["rows"][1]["cells"][1] == "Maria Schneider"


def test_the_token_is_written_to_sandbox_env_and_survives_a_restart(tmp_path: Path) -> None:
    first = Sandbox(tmp_path / "sb", port=0).start()
    token = first.token
    first.stop()
    env = (tmp_path / "sb" / "sandbox.env").read_text()
    assert f"SANDBOX_TOKEN={token}" in env and f"SANDBOX_WEB_URL={first.url}/#token={token}" in env
    second = Sandbox(tmp_path / "sb", port=0).start()
    try:
        assert second.token == token and len(token) >= 40
    finally:
        second.stop()


def test_a_folder_from_before_the_token_gets_one(tmp_path: Path) -> None:
    Sandbox(tmp_path / "sb", port=0).start().stop()
    path = tmp_path / "sb" / "credentials.json"
    creds = json.loads(path.read_text())
    del creds["sandbox_token"]
    path.write_text(json.dumps(creds))
    sandbox = Sandbox(tmp_path / "sb", port=0).start()
    try:
        assert sandbox.token
        assert requests.get(f"{sandbox.url}/_sandbox/requests", headers=sandbox.control_headers(),
                            timeout=10).status_code == 200
    finally:
        sandbox.stop()
