"""Hostile settings: each one refused with a sentence that names the setting, never a traceback."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import SettingsError
from core.logger import redact
from tests.clients.test_config import env, key_file  # noqa: F401 - fixtures

PROXY_PASSWORD = "S3cretProxyPass"

# (setting, hostile value, words the sentence must hold)
HOSTILE_VALUES = [
    pytest.param("GOOGLE_API_URL", "http://[::1", ["GOOGLE_API_URL", "not a valid URL"], id="url-unclosed-ipv6"),
    pytest.param("TRELLO_API_URL", "http://[::1", ["TRELLO_API_URL", "not a valid URL"], id="trello-url-ipv6"),
    pytest.param("TRELLO_API_URL", "http://127.0.0.1:99999", ["TRELLO_API_URL", "not a valid URL"],
                 id="url-port-out-of-range"),
    pytest.param("GOOGLE_API_URL", "ftp://127.0.0.1", ["GOOGLE_API_URL", "not an http(s) URL"], id="url-ftp"),
    pytest.param("GOOGLE_API_URL", "http://127.0.0.1:8765/?x=1", ["GOOGLE_API_URL", "query"], id="url-query"),
    pytest.param("TRELLO_RATE_LIMIT", "²", ["TRELLO_RATE_LIMIT", "'²'", "whole number"], id="rate-superscript"),
    pytest.param("SPREADSHEET_ID", "1abc?x=1", ["SPREADSHEET_ID", "not an id"], id="sheet-id-query"),
    pytest.param("SPREADSHEET_ID", "../../drive/v3/files/1abc", ["SPREADSHEET_ID", "not an id"],
                 id="sheet-id-path"),
    pytest.param("TRELLO_BOARD_ID", "AbCd1234/cards", ["TRELLO_BOARD_ID", "not an id"], id="board-id-path"),
    pytest.param("STATUS_MAP", "NEW=A,NEW=B", ["STATUS_MAP", "NEW is given twice"], id="status-map-duplicate"),
    pytest.param("SPREADSHEET_ID", "your_spreadsheet_id_here", ["SPREADSHEET_ID", "placeholder", ".env.example"],
                 id="placeholder-sheet"),
    pytest.param("TRELLO_BOARD_ID", "your_trello_board_id_here", ["TRELLO_BOARD_ID", "placeholder"],
                 id="placeholder-board"),
    pytest.param("TRELLO_TOKEN", "your_trello_token_here", ["TRELLO_TOKEN", "placeholder"], id="placeholder-token"),
]


@pytest.mark.parametrize("name,value,words", HOSTILE_VALUES)
def test_a_hostile_setting_is_one_sentence_naming_it(env: dict[str, str], name: str, value: str,  # noqa: F811
                                                     words: list[str]) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env={**env, name: value}, env_file=None)
    found = err.value.problems
    assert len(found) == 1 and all(w in found[0] for w in words), found


def test_a_env_file_with_bytes_that_are_not_utf8_is_named(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"SPREADSHEET_ID=1abc\nWORKSHEET=Caf\xe9\n")
    with pytest.raises(SettingsError) as err:
        load_settings(env=env, env_file=dotenv)
    assert str(dotenv) in err.value.message and "not UTF-8" in err.value.message


@pytest.mark.parametrize("token_uri", [123, ["https://oauth2.googleapis.com/token"], {"x": 1}])
def test_a_key_file_whose_token_uri_is_not_text_is_not_a_key(env: dict[str, str], key_file: Path,  # noqa: F811
                                                               token_uri: object) -> None:
    info = json.loads(key_file.read_text())
    key_file.write_text(json.dumps({**info, "token_uri": token_uri}))
    with pytest.raises(SettingsError) as err:
        load_settings(env=env, env_file=None)
    assert "GOOGLE_CREDENTIALS_PATH" in err.value.message and "token_uri is not text" in err.value.message


def test_credentials_inside_a_base_url_are_accepted_and_masked(env: dict[str, str]) -> None:  # noqa: F811
    url = f"http://user:{PROXY_PASSWORD}@127.0.0.1:3128"
    settings = load_settings(env={**env, "GOOGLE_API_URL": url, "TRELLO_API_URL": url}, env_file=None)
    assert settings.google_api_url == url and PROXY_PASSWORD in settings.secrets()
    assert redact(f"GET {url}/v4/spreadsheets -> 200") == "GET http://***@127.0.0.1:3128/v4/spreadsheets -> 200"


def test_a_key_path_naming_a_device_is_not_called_missing(env: dict[str, str]) -> None:  # noqa: F811
    with pytest.raises(SettingsError) as err:
        load_settings(env={**env, "GOOGLE_CREDENTIALS_PATH": "/dev/null"}, env_file=None)
    assert "/dev/null, which is not a regular file" in err.value.message
