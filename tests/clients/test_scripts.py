"""Any gspread or py-trello script reaches the sandbox through WorkLead's session factory."""
from __future__ import annotations

from pathlib import Path

import pytest

from clients.http import gspread_client, trello_client
from core.config import load_settings
from sandbox import Sandbox


def test_a_plain_gspread_and_py_trello_script_runs_on_the_sandbox_env_file(
        sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a script's folder: the session keeps its Sheets quota count under data/ there
    # Only the settings file the sandbox writes: the script changes nothing but where it points.
    settings = load_settings(env={}, env_file=Path(sandbox.data_dir) / "sandbox.env")

    sheet = gspread_client(settings).open_by_key(settings.spreadsheet_id).sheet1
    rows = sheet.get_all_values()
    assert rows[0] == ["id", "name", "email", "status", "source", "trello_card_id"] and len(rows) == 13
    sheet.update_acell("F2", "written by a script")
    assert sheet.acell("F2").value == "written by a script"

    board = trello_client(settings).get_board(settings.trello_board_id)
    todo = next(lst for lst in board.list_lists() if lst.name == "TODO")
    card = todo.add_card("Follow-up: from a script", "Lead ID: 99")
    assert [c.id for c in todo.list_cards()] == [card.id]

    served = sandbox.log.entries()
    assert {e["service"] for e in served} >= {"oauth", "sheets", "trello"}
    assert all(settings.trello_token not in e["path"] + e["query"] for e in served)
