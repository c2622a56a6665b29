"""Settings: every problem is one sentence naming the setting; nothing at all means sandbox."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import has_service_settings, load_settings
from core.errors import SettingsError

# Built at run time so the repository holds nothing shaped like a committed key.
PEM_BEGIN = "-----BEGIN " + "PRIVATE KEY-----"
PEM_END = "-----END " + "PRIVATE KEY-----"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({"type": "service_account", "client_email": "bot@p.iam.gserviceaccount.com",
                                "private_key": PEM_BEGIN + "\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
                                               + PEM_END + "\n",
                                "token_uri": "https://oauth2.googleapis.com/token"}))
    return path


@pytest.fixture
def env(key_file: Path) -> dict[str, str]:
    return {"GOOGLE_CREDENTIALS_PATH": str(key_file), "SPREADSHEET_ID": "1abc", "TRELLO_API_KEY": "k" * 32,
            "TRELLO_TOKEN": "ATTA" + "t" * 60, "TRELLO_BOARD_ID": "AbCd1234"}


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as err:
        load_settings(env=env, env_file=None)
    return err.value.problems


def test_complete_settings_load_with_the_documented_defaults(env: dict[str, str]) -> None:
    settings = load_settings(env=env, env_file=None)
    assert (settings.conflict_winner, settings.max_delete_percent, settings.trello_rate_limit) == ("trello", 50.0, 90)
    assert settings.worksheet is None and settings.google_api_url is None
    assert str(settings.mapping_file) == "data/mapping.json" and str(settings.log_dir) == "logs"
    assert settings.status_map.list_for("CONTACTED") == "IN_PROGRESS"


def test_no_service_settings_at_all_means_sandbox(tmp_path: Path) -> None:
    assert has_service_settings(env={"LOG_DIR": "x"}, env_file=tmp_path / "none") is False


def test_some_settings_present_names_every_missing_one(env: dict[str, str]) -> None:
    partial = {"SPREADSHEET_ID": "1abc", "GOOGLE_CREDENTIALS_PATH": env["GOOGLE_CREDENTIALS_PATH"]}
    assert has_service_settings(env=partial, env_file=None) is True
    found = problems(partial)
    assert [p.split(" ")[0] for p in found] == ["TRELLO_API_KEY", "TRELLO_TOKEN", "TRELLO_BOARD_ID"]


def test_missing_spreadsheet_id_says_where_to_find_it(env: dict[str, str]) -> None:
    del env["SPREADSHEET_ID"]
    assert problems(env) == ["SPREADSHEET_ID is not set: put the id from the sheet's URL"
                             " (docs.google.com/spreadsheets/d/<id>/edit) in .env or the environment."]


@pytest.mark.parametrize("name, value", [
    ("CONFLICT_WINNER", "both"),
    ("MAX_DELETE_PERCENT", "lots"),
    ("MAX_DELETE_PERCENT", "150"),
    ("STATUS_MAP", "NEW=Doing,CONTACTED=Doing"),
    ("STATUS_MAP", "PENDING=Later"),
    ("GOOGLE_API_URL", "localhost:8765"),
    ("TRELLO_API_URL", "ftp://example.org"),
    ("TRELLO_RATE_LIMIT", "0"),
    ("SHEETS_QUOTA", "60"),
    ("SHEETS_QUOTA", "0/60"),
    ("SHEETS_QUOTA", "²/60"),
    ("GOOGLE_CREDENTIALS_PATH", "/no/such/key.json"),
])
def test_each_bad_setting_is_one_sentence_naming_it(env: dict[str, str], name: str, value: str) -> None:
    env[name] = value
    found = problems(env)
    assert len(found) == 1 and found[0].startswith(name) and found[0].endswith(".")
    assert "\n" not in found[0]


@pytest.mark.parametrize("content", ["not json {", json.dumps({"type": "authorized_user", "refresh_token": "r"})])
def test_a_key_file_that_is_not_a_service_account_key_is_named_without_its_contents(
        env: dict[str, str], tmp_path: Path, content: str) -> None:
    path = tmp_path / "other.json"
    path.write_text(content)
    env["GOOGLE_CREDENTIALS_PATH"] = str(path)
    (found,) = problems(env)
    assert found.startswith("GOOGLE_CREDENTIALS_PATH") and ("service-account key" in found or "JSON" in found)
    assert content[:8] not in found


def test_dotenv_fills_in_but_the_environment_and_overrides_win(env: dict[str, str], tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SPREADSHEET_ID=from-file\nWORKSHEET=Leads\nCONFLICT_WINNER=sheet\n")
    env["CONFLICT_WINNER"] = "trello"
    settings = load_settings(env=env, env_file=dotenv, overrides={"SPREADSHEET_ID": "from-override"})
    assert (settings.worksheet, settings.conflict_winner, settings.spreadsheet_id) == (
        "Leads", "trello", "from-override")


def test_secrets_are_listed_for_redaction_and_kept_out_of_repr(env: dict[str, str]) -> None:
    settings = load_settings(env=env, env_file=None)
    secrets = settings.secrets()
    assert env["TRELLO_API_KEY"] in secrets and env["TRELLO_TOKEN"] in secrets
    assert any(PEM_BEGIN in s for s in secrets)
    assert env["TRELLO_TOKEN"] not in repr(settings) and env["TRELLO_API_KEY"] not in repr(settings)


def test_urls_lose_their_trailing_slash(env: dict[str, str]) -> None:
    env["GOOGLE_API_URL"] = "http://127.0.0.1:8765/"
    assert load_settings(env=env, env_file=None).google_api_url == "http://127.0.0.1:8765"
