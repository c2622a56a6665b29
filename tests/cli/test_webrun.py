"""The web view's Preview and Sync: WorkLead's engine behind the page, reported as the terminal reports it."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from cli.webrun import runner_for
from core.mapping import MappingStore
from sandbox import Sandbox


def _run(sandbox: Sandbox, dry_run: bool, force_delete: bool = False) -> dict[str, Any]:
    auth = sandbox.control_headers()
    view = requests.post(f"{sandbox.url}/_sandbox/view/run", json={"dry_run": dry_run, "force_delete": force_delete},
                         headers=auth, timeout=10).json()
    deadline = time.monotonic() + 60
    while view["run"]["state"] == "running":
        assert time.monotonic() < deadline
        view = requests.get(f"{sandbox.url}/_sandbox/view?after={view['version']}", headers=auth, timeout=30).json()
    return dict(view["run"])


def _with_runner(sandbox: Sandbox, tmp_path: Path) -> None:
    env = tmp_path / "folder.env"
    env.write_text(f"LOG_DIR={tmp_path / 'logs'}\n")
    sandbox.view.runner = runner_for(sandbox, env_file=env)


def test_a_page_sync_while_another_sync_runs_says_so_in_the_terminals_words(sandbox: Sandbox, tmp_path: Path) -> None:
    _with_runner(sandbox, tmp_path)
    with MappingStore(sandbox.data_dir / Sandbox.MAPPING_FILE).lock():
        run = _run(sandbox, dry_run=False)
    assert run["state"] == "failed" and run["error"].startswith("Another sync is running")
    assert run["events"] == [] and run["summary"] is None


def test_a_page_preview_plans_and_a_page_sync_reports_each_action_then_the_summary(
        sandbox: Sandbox, tmp_path: Path) -> None:
    _with_runner(sandbox, tmp_path)
    preview = _run(sandbox, dry_run=True)
    assert preview["state"] == "done" and preview["events"] == []
    assert [row["kind"] for row in preview["summary"]["plan"]] == ["create_card"] * 10
    # The page shows the terminal's sentence for each, never the internal kind.
    assert "Created a card for Maria Schneider (lead 1) in TODO" in [r["sentence"] for r in preview["summary"]["plan"]]
    assert preview["summary"]["title"] == "Summary: Full sync (dry run: nothing was changed)"
    sync = _run(sandbox, dry_run=False)
    assert [e["kind"] for e in sync["events"]] == ["create_card"] * 10
    assert "Created a card for Oliver Grant (lead 12) in TODO" in [e["sentence"] for e in sync["events"]]
    assert {e["name"] for e in sync["events"]} >= {"Maria Schneider", "Oliver Grant"}
    assert ["Created", 10] in sync["summary"]["counts"] and sync["summary"]["exit_code"] == 0
    assert (sandbox.data_dir / "mapping.json").exists()  # the demo's own mapping, as with --sandbox


def test_a_conflict_made_on_the_page_is_reported_in_the_terminals_words(sandbox: Sandbox, tmp_path: Path) -> None:
    _with_runner(sandbox, tmp_path)
    assert _run(sandbox, dry_run=False)["state"] == "done"
    auth = sandbox.control_headers()
    view = requests.get(f"{sandbox.url}/_sandbox/view", headers=auth, timeout=10).json()
    lists = {lst["name"]: lst for lst in view["board"]["lists"]}
    card = next(c for c in lists["TODO"]["cards"] if c["lead_id"] == "1")
    edits: list[dict[str, Any]] = [{"op": "set_cell", "row": 2, "col": 3, "value": "QUALIFIED"},
                                   {"op": "move_card", "card": card["id"], "list": lists["IN_PROGRESS"]["id"]}]
    for edit in edits:
        assert requests.post(f"{sandbox.url}/_sandbox/view/edit", json=edit, headers=auth, timeout=10).ok
    run = _run(sandbox, dry_run=False)
    conflicts = [n for n in run["summary"]["notices"] if n.startswith("conflict: ")]
    assert len(conflicts) == 1 and "Lead 1" in conflicts[0], run["summary"]["notices"]
    assert ["Conflicts", 1] in run["summary"]["counts"]
    view = requests.get(f"{sandbox.url}/_sandbox/view", headers=auth, timeout=10).json()
    assert view["sheet"]["rows"][1]["cells"][3] == "CONTACTED"  # Trello wins, as CONFLICT_WINNER says


def test_deletions_held_back_on_the_page_are_kept_until_delete_anyway_is_pressed(
        sandbox: Sandbox, tmp_path: Path) -> None:
    _with_runner(sandbox, tmp_path)
    assert _run(sandbox, dry_run=False)["state"] == "done"
    auth = sandbox.control_headers()
    view = requests.get(f"{sandbox.url}/_sandbox/view", headers=auth, timeout=10).json()
    cards = [c for lst in view["board"]["lists"] for c in lst["cards"]][:6]
    for card in cards:
        edit = {"op": "delete_card", "card": card["id"]}
        assert requests.post(f"{sandbox.url}/_sandbox/view/edit", json=edit, headers=auth, timeout=10).ok
    rows = len(requests.get(f"{sandbox.url}/_sandbox/view", headers=auth, timeout=10).json()["sheet"]["rows"])
    held = _run(sandbox, dry_run=False)["summary"]
    assert held["can_force"] and held["held_count"] == 6 and ["Deleted", 0] in held["counts"]
    again = _run(sandbox, dry_run=False)["summary"]  # not pressing it keeps them, run after run
    assert again["can_force"] and ["Deleted", 0] in again["counts"]
    forced = _run(sandbox, dry_run=False, force_delete=True)["summary"]
    assert ["Deleted", 6] in forced["counts"] and not forced["can_force"]
    view = requests.get(f"{sandbox.url}/_sandbox/view", headers=auth, timeout=10).json()
    assert len(view["sheet"]["rows"]) == rows - 6
