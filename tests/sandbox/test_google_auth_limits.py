"""Token endpoint, token expiry, Sheets rate limits and persistence of the Google sandbox."""
from __future__ import annotations

import json
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt, jwt
from gspread.utils import ValueInputOption, ValueRenderOption

from sandbox import Sandbox
from tests.sandbox.google_support import google_backend, gspread_client

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _assertion(sandbox: Sandbox, key_pem: str | None = None, **claims: object) -> str:
    info = json.loads(sandbox.key_path.read_text())
    signer = crypt.RSASigner.from_string(key_pem or info["private_key"], info["private_key_id"])
    now = int(time.time())
    payload = {"iss": info["client_email"], "aud": info["token_uri"], "iat": now, "exp": now + 3600,
               "scope": "https://www.googleapis.com/auth/spreadsheets"}
    payload.update(claims)
    return jwt.encode(signer, payload).decode()


def _token_request(sandbox: Sandbox, assertion: str) -> requests.Response:
    return requests.post(f"{sandbox.url}/token", data={"grant_type": JWT_BEARER, "assertion": assertion}, timeout=5)


def _bearer(sandbox: Sandbox) -> dict[str, str]:
    token = _token_request(sandbox, _assertion(sandbox)).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_signed_assertion_gets_a_bearer_token_for_an_hour(sandbox: Sandbox) -> None:
    answer = _token_request(sandbox, _assertion(sandbox))
    body = answer.json()
    assert answer.status_code == 200
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert (body["expires_in"], body["token_type"]) == (3599, "Bearer")


def test_assertion_signed_with_another_key_is_refused(sandbox: Sandbox) -> None:
    answer = _token_request(sandbox, _assertion(sandbox, key_pem=_other_key()))
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}


def test_assertion_for_another_account_or_expired_is_refused(sandbox: Sandbox) -> None:
    stranger = _token_request(sandbox, _assertion(sandbox, iss="someone@else.iam.gserviceaccount.com"))
    expired = _token_request(sandbox, _assertion(sandbox, iat=int(time.time()) - 7200,
                                                 exp=int(time.time()) - 3600))
    assert (stranger.status_code, stranger.json()["error"]) == (400, "invalid_grant")
    assert (expired.status_code, expired.json()["error"]) == (400, "invalid_grant")


def test_expired_access_token_is_unauthenticated(sandbox: Sandbox) -> None:
    token = _token_request(sandbox, _assertion(sandbox)).json()["access_token"]
    google_backend(sandbox).tokens[token].expires_at = time.time() - 1
    answer = requests.get(f"{sandbox.url}/v4/spreadsheets/{sandbox.creds.spreadsheet_id}",
                          headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_sheets_reads_beyond_the_quota_get_googles_429(sandbox: Sandbox) -> None:
    headers = _bearer(sandbox)
    sandbox.limits.configure({"enabled": True, "limits": {"sheets_read": [2, 60]}})
    url = f"{sandbox.url}/v4/spreadsheets/{sandbox.creds.spreadsheet_id}/values/Leads"
    statuses = [requests.get(url, headers=headers, timeout=5) for _ in range(3)]
    assert [a.status_code for a in statuses] == [200, 200, 429]
    error = statuses[2].json()["error"]
    assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert error["message"].startswith("Quota exceeded for quota metric 'Read requests' and limit "
                                       "'Read requests per minute per user' of service 'sheets.googleapis.com'")


def test_writes_have_their_own_quota(sandbox: Sandbox) -> None:
    sheet = gspread_client(sandbox).open_by_key(sandbox.creds.spreadsheet_id).sheet1
    sandbox.limits.configure({"enabled": True, "limits": {"sheets_write": [1, 60]}})
    sheet.update_acell("F2", "card")
    answer = requests.put(
        f"{sandbox.url}/v4/spreadsheets/{sandbox.creds.spreadsheet_id}/values/Leads!F3?valueInputOption=RAW",
        json={"values": [["x"]]}, headers=_bearer(sandbox), timeout=5)
    assert answer.status_code == 429
    assert "'Write requests per minute per user'" in answer.json()["error"]["message"]
    assert sheet.acell("F2").value == "card"  # reads are still allowed


def test_sheet_state_survives_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "sandbox"
    with Sandbox(folder, port=0) as first:
        sheet = gspread_client(first).open_by_key(first.creds.spreadsheet_id).sheet1
        sheet.update([["=1+2", "kept"]], "G2", value_input_option=ValueInputOption.user_entered)
        sheet.spreadsheet.add_worksheet("Notes", rows=5, cols=3)
    with Sandbox(folder, port=0) as second:
        book = gspread_client(second).open_by_key(second.creds.spreadsheet_id)
        assert book.sheet1.get("G2:H2") == [["3", "kept"]]
        assert book.sheet1.get("G2", value_render_option=ValueRenderOption.formula) == [["=1+2"]]
        assert [w.title for w in book.worksheets()] == ["Leads", "Notes"]
        assert len(book.sheet1.get_all_values()) == 13
