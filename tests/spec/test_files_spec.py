"""The README's Files it writes, from outside: mapping.json and its .bak, upgrade, recovery, history, trash, logs."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tests.spec.conftest import Cli, ServedSandbox


def test_mapping_file_has_the_documented_shape(cli: Cli) -> None:
    assert cli("sync").code == 0
    assert cli("sync").code == 0
    data = cli.mapping()
    assert data["version"] == 2
    assert len(data["lead_to_card"]) == 10
    assert {card: lead for lead, card in data["lead_to_card"].items()} == data["card_to_lead"]
    link = data["links"]["1"]
    assert link["card_id"] == data["lead_to_card"]["1"]
    assert link["status"] == "NEW"
    assert isinstance(link["fields"], str) and link["fields"]
    datetime.fromisoformat(link["synced_at"])
    datetime.fromisoformat(data["last_sync"])
    assert data["sync_count"] == 2
    backup = json.loads((cli.mapping_path.parent / "mapping.json.bak").read_text())
    assert backup["sync_count"] == 1


def test_original_format_mapping_is_upgraded_without_duplicates(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    links = cli.mapping()["lead_to_card"]
    original = {"lead_to_card": links, "card_to_lead": {card: lead for lead, card in links.items()},
                "last_sync": "2025-12-05T22:00:00", "sync_count": 3}
    cli.mapping_path.write_text(json.dumps(original))
    run = cli("sync")
    assert run.code == 0, run.out
    data = cli.mapping()
    assert data["version"] == 2 and data["lead_to_card"] == links
    assert data["sync_count"] == 4
    assert len(sb.cards()) == 10


def test_corrupted_mapping_is_moved_aside_and_rebuilt_with_no_duplicates(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    links = cli.mapping()["lead_to_card"]
    cli.mapping_path.write_text("{ not json")
    run = cli("sync")
    assert run.code == 0, run.out
    assert "mapping" in run.out.lower()  # loudly
    assert cli.mapping()["lead_to_card"] == links
    assert len(sb.cards()) == 10
    aside = [p for p in cli.mapping_path.parent.iterdir() if p.name.startswith("mapping.json.")
             and p.name not in ("mapping.json.bak", "mapping.json.lock")]
    assert [p.read_text() for p in aside] == ["{ not json"]


def test_lost_mapping_file_rebuilds_links_without_duplicates(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    cli.mapping_path.unlink()
    assert cli("sync").code == 0
    assert len(cli.mapping()["links"]) == 10
    assert len(sb.cards()) == 10


def test_history_has_one_line_per_run_with_counts(cli: Cli) -> None:
    assert cli("sync").code == 0
    assert cli("push").code == 0
    history = cli.jsonl("history.jsonl")
    assert len(history) == 2
    text = json.dumps(history[0])
    assert "created" in text and "10" in text


def test_mapping_file_setting_moves_the_link_store(cli: Cli) -> None:
    assert cli("sync", MAPPING_FILE="state/links.json").code == 0
    assert json.loads((cli.workdir / "state" / "links.json").read_text())["version"] == 2
    assert not cli.mapping_path.exists()


def test_log_file_is_named_by_day_and_holds_no_secret(cli: Cli, sb: ServedSandbox) -> None:
    sb.control("POST", "faults", {"rules": [{"path": "/1/cards", "method": "POST", "status": 401, "times": 1}]})
    run = cli("sync")
    logs = list((cli.workdir / "logs").glob("sync_*.log"))
    assert len(logs) == 1
    stamp = logs[0].name[len("sync_"):-len(".log")]
    datetime.strptime(stamp, "%Y%m%d")
    text = logs[0].read_text()
    assert "DEBUG" in text or "debug" in text.lower()
    key = json.loads(Path(sb.settings["GOOGLE_CREDENTIALS_PATH"]).read_text())["private_key"]
    secrets = [sb.settings["TRELLO_API_KEY"], sb.settings["TRELLO_TOKEN"], key.splitlines()[1]]
    for secret in secrets:
        assert secret not in text
        assert secret not in run.out


def test_log_dir_setting_moves_the_log(cli: Cli) -> None:
    assert cli("status", LOG_DIR="elsewhere").code == 0
    assert list((cli.workdir / "elsewhere").glob("sync_*.log"))
