"""SyncEngine over in-memory sides: applying plans, failures, records, dry runs."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Optional

import pytest

from core.errors import BadLayoutError, LockHeldError, ServiceUnavailableError
from core.mapping import MappingStore
from core.models import Card, Lead
from core.sync_logic import SyncEngine
from tests.engine.fakes import FakeBoard, FakeSheet, make_settings


def leads(n: int, status: str = "NEW") -> list[dict[str, str]]:
    return [{"id": str(i), "name": f"Lead {i}", "email": f"l{i}@x.io", "status": status, "source": "web"}
            for i in range(1, n + 1)]


def engine(tmp_path: Path, sheet: FakeSheet, board: FakeBoard, **kw: object) -> SyncEngine:
    return SyncEngine(make_settings(tmp_path, **kw), sheet, board)  # type: ignore[arg-type]


def test_full_sync_creates_cards_and_writes_card_ids_in_one_sheet_write(tmp_path: Path):
    sheet, board = FakeSheet(leads(5)), FakeBoard()
    result = engine(tmp_path, sheet, board).full_sync()
    assert result.created == 5 and result.exit_code == 0
    assert len(sheet.writes) == 1
    assert all(sheet.row(str(i))["trello_card_id"] in board.cards for i in range(1, 6))
    assert sorted(c.lead_id or "" for c in board.open_cards()) == ["1", "2", "3", "4", "5"]


def test_second_full_sync_with_no_change_writes_nothing(tmp_path: Path):
    sheet, board = FakeSheet(leads(5)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    writes, cards = len(sheet.writes), dict(board.cards)
    result = eng.full_sync()
    assert result.plan == [] and len(sheet.writes) == writes and board.cards == cards


def test_history_gets_one_line_per_run_with_counts(tmp_path: Path):
    sheet, board = FakeSheet(leads(2)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    eng.full_sync()
    lines = (tmp_path / "data" / "history.jsonl").read_text().splitlines()
    assert [json.loads(x)["counts"]["created"] for x in lines] == [2, 0]


def test_dry_run_writes_nothing_at_all(tmp_path: Path):
    sheet, board = FakeSheet(leads(3)), FakeBoard()
    result = engine(tmp_path, sheet, board).preview()
    assert result.dry_run and result.created == 3 and len(result.plan) == 3
    assert board.cards == {} and sheet.writes == []
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("error", [
    ServiceUnavailableError("Trello is unavailable."),
    # Not one of ours, and its text holds a URL with a token: only the log file may see it.
    KeyError("https://api.trello.com/1/cards?token=s3cr3t"),
], ids=["our-error", "unexpected-error"])
def test_one_failed_card_fails_that_lead_only_and_the_others_go_on(tmp_path: Path, error: Exception):
    sheet, board = FakeSheet(leads(4)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    for i in (1, 2, 3):
        sheet.row(str(i))["status"] = "QUALIFIED"
    broken = board.move_card

    def move(card_id: str, list_name: str) -> None:
        if card_id == sheet.row("2")["trello_card_id"]:
            raise error
        broken(card_id, list_name)

    board.move_card = move  # type: ignore[method-assign]
    result = eng.full_sync()
    assert (result.moved, result.failed, result.exit_code) == (2, 1, 1)
    assert [(f.lead_id, f.kind) for f in result.failures] == [("2", "move_card")]
    assert not any("s3cr3t" in text for text in result.messages + [f.error for f in result.failures])
    board.move_card = broken  # type: ignore[method-assign]
    retry = eng.full_sync()  # the failed lead's baseline did not move, so it is retried
    assert [(a.kind, a.lead_id) for a in retry.plan] == [("move_card", "2")]


def test_ambiguous_create_is_adopted_by_marker_next_run_not_duplicated(tmp_path: Path):
    sheet, board = FakeSheet(leads(3)), FakeBoard()
    board.fail_create_ambiguously = 1
    eng = engine(tmp_path, sheet, board)
    first = eng.full_sync()
    assert first.failed == 1 and first.created == 2
    second = eng.full_sync()
    assert second.created == 0 and len(board.cards) == 3
    assert all(sheet.row(str(i))["trello_card_id"] for i in (1, 2, 3))


def test_failed_sheet_write_keeps_the_baseline_so_the_change_is_retried(tmp_path: Path):
    sheet, board = FakeSheet(leads(2)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    board.move_card(sheet.row("1")["trello_card_id"], "DONE")
    sheet.fail_writes = True
    assert eng.full_sync().failed == 1
    sheet.fail_writes = False
    eng.full_sync()
    assert sheet.row("1")["status"] == "QUALIFIED"


def test_deleted_card_puts_the_row_in_the_trash_before_deleting_it(tmp_path: Path):
    sheet, board = FakeSheet(leads(5)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    del board.cards[sheet.row("2")["trello_card_id"]]
    result = eng.full_sync()
    assert result.deleted == 1 and sheet.ids() == ["1", "3", "4", "5"]
    (entry,) = [json.loads(x) for x in (tmp_path / "data" / "trash.jsonl").read_text().splitlines()]
    assert entry["lead"]["id"] == "2" and entry["lead"]["email"] == "l2@x.io" and entry["reason"]


def test_guard_holds_back_mass_archiving_with_exit_code_4(tmp_path: Path):
    sheet, board = FakeSheet(leads(6)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    sheet.rows = sheet.rows[:2]
    result = eng.full_sync()
    assert (result.held_count, result.archived, result.exit_code) == (4, 0, 4)
    assert len(board.open_cards()) == 6
    forced = eng.full_sync(force_delete=True)
    assert forced.archived == 4 and forced.exit_code == 0


def test_sync_refuses_to_run_while_another_holds_the_lock(tmp_path: Path):
    sheet, board = FakeSheet(leads(1)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    with MappingStore(eng.mapping.path).lock():
        with pytest.raises(LockHeldError):
            eng.full_sync()
    assert board.cards == {}


def test_board_without_a_status_list_stops_before_any_write(tmp_path: Path):
    sheet, board = FakeSheet(leads(1)), FakeBoard(["TODO", "IN_PROGRESS", "DONE"])
    with pytest.raises(BadLayoutError) as info:
        engine(tmp_path, sheet, board).full_sync()
    assert "LOST" in str(info.value) and "doctor --fix" in str(info.value)


def test_lost_mapping_file_rebuilds_links_with_no_duplicate(tmp_path: Path):
    sheet, board = FakeSheet(leads(3)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    eng.mapping.path.unlink()
    result = eng.full_sync()
    assert result.created == 0 and len(board.cards) == 3
    assert len(eng.mapping.load().links) == 3


def test_corrupt_mapping_file_is_reported_in_the_result_and_rebuilt(tmp_path: Path):
    sheet, board = FakeSheet(leads(2)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    eng.mapping.path.write_text("garbage")
    result = eng.full_sync()
    assert "could not be read" in result.messages[0] and result.created == 0


def test_status_report_lists_links_orphans_and_pending(tmp_path: Path):
    sheet, board = FakeSheet(leads(2)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    board.add("Follow-up: Zed", "Lead ID: 99\nEmail: z\nSource: s", "TODO")
    sheet.rows.append({"id": "3", "name": "New", "email": "", "status": "NEW", "source": "", "trello_card_id": ""})
    report = eng.status_report()
    assert len(report.links) == 2 and report.unlinked_leads == ["3"] and len(report.orphan_cards) == 1
    assert [a.kind for a in report.pending] == ["create_card"] and report.sync_count == 1


def test_push_and_pull_copy_status_one_way(tmp_path: Path):
    sheet, board = FakeSheet(leads(2)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    sheet.row("1")["status"] = "LOST"
    board.move_card(sheet.row("2")["trello_card_id"], "DONE")
    assert eng.pull().sheet_updated == 2  # the card wins for both
    assert sheet.row("1")["status"] == "NEW" and sheet.row("2")["status"] == "QUALIFIED"
    sheet.row("1")["status"] = "CONTACTED"
    assert eng.push().moved == 1
    assert board.cards[sheet.row("1")["trello_card_id"]].list_name == "IN_PROGRESS"


def test_row_that_changed_just_before_deletion_is_kept_with_its_link(tmp_path: Path):
    sheet, board = FakeSheet(leads(5)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    del board.cards[sheet.row("2")["trello_card_id"]]
    delete = sheet.delete_rows

    def someone_inserts_a_row_first(doomed: list[Lead]) -> list[str]:
        sheet.rows.insert(0, {"id": "9", "name": "Inserted", "email": "", "status": "NEW", "source": "",
                              "trello_card_id": ""})
        return delete(doomed)

    sheet.delete_rows = someone_inserts_a_row_first  # type: ignore[method-assign, assignment]
    result = eng.full_sync()
    assert result.deleted == 0 and "2" in sheet.ids() and "2" in eng.mapping.load().links
    assert any("not deleted" in m for m in result.messages)


def test_rows_without_ids_get_no_card_until_their_new_ids_are_in_the_sheet(tmp_path: Path):
    sheet, board = FakeSheet(leads(2) + [{"id": "", "name": "No Id", "email": "n@x.io", "status": "NEW",
                                          "source": "web"}]), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    sheet.rows.append({**sheet.rows[-1], "id": "", "name": "Later", "trello_card_id": ""})
    sheet.fail_writes = True
    first = eng.full_sync()
    # No card may carry a marker for an id that never reached the sheet.
    assert first.failed == 1 and first.created == 0 and len(board.cards) == 3
    sheet.fail_writes = False
    eng.full_sync()
    later = next(r for r in sheet.rows if r["name"] == "Later")
    assert later["id"] == "4" and [c.lead_id for c in board.open_cards()].count("4") == 1
    assert len(board.cards) == 4 and not any(c.closed for c in board.cards.values())


def test_ids_for_rows_without_one_are_written_before_their_cards_are_made(tmp_path: Path):
    sheet, board = FakeSheet([{"id": "", "name": "No Id", "email": "n@x.io", "status": "NEW",
                               "source": "web"}]), FakeBoard()
    engine(tmp_path, sheet, board).full_sync()
    assert [[(c.column, c.value) for c in w] for w in sheet.writes] == [
        [("id", "1")], [("trello_card_id", sheet.row("1")["trello_card_id"])]]


def test_unknown_lead_or_card_in_a_single_sync_is_a_usage_error(tmp_path: Path):
    sheet, board = FakeSheet(leads(2)), FakeBoard()
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    assert eng.sync_lead("999").exit_code == 2
    assert eng.sync_card("f" * 24).exit_code == 2
    assert eng.sync_lead("1").exit_code == 0


class _InterruptAfter:
    """A progress display during which the user presses Ctrl-C after `n` finished writes."""

    def __init__(self, n: int) -> None:
        self.n = n

    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        self.n -= n
        if self.n <= 0:
            raise KeyboardInterrupt

    def stop(self) -> None:
        pass


class _SlowBoard(FakeBoard):
    def create_card(self, list_name: str, title: str, desc: str) -> Card:
        import time

        time.sleep(0.02)
        return super().create_card(list_name, title, desc)


def test_ctrl_c_drops_queued_card_writes_and_keeps_every_made_card_linked(tmp_path: Path):
    sheet, board = FakeSheet(leads(200)), _SlowBoard()
    eng = SyncEngine(make_settings(tmp_path), sheet, board, progress=_InterruptAfter(3))
    with pytest.raises(KeyboardInterrupt):
        eng.full_sync()
    made = len(board.cards)
    assert made < 50, "writes still queued went on after Ctrl-C"
    links = MappingStore(tmp_path / "data" / "mapping.json").load().links
    assert {link.card_id for link in links.values()} == set(board.cards)
    eng.progress = None
    eng.control.reset()  # as the command line does before each run
    eng.full_sync()
    assert len(board.cards) == 200 and len({c.lead_id for c in board.cards.values()}) == 200


class _UserEditsDuringRun(FakeBoard):
    """A board whose first card write coincides with a user's edit of the sheet."""

    def __init__(self, sheet: FakeSheet, edit: Optional[Callable[[FakeSheet], None]]) -> None:
        super().__init__()
        self.sheet, self.edit = sheet, edit

    def _user_acts(self) -> None:
        if self.edit is not None:
            self.edit(self.sheet)
            self.edit = None

    def create_card(self, list_name: str, title: str, desc: str) -> Card:
        self._user_acts()
        return super().create_card(list_name, title, desc)

    def move_card(self, card_id: str, list_name: str) -> None:
        self._user_acts()
        super().move_card(card_id, list_name)


def test_card_ids_land_on_their_leads_rows_when_a_row_is_inserted_during_the_run(tmp_path: Path):
    sheet = FakeSheet(leads(3))
    board = _UserEditsDuringRun(sheet, lambda s: s.rows.insert(0, {**s.rows[0], "id": "9", "name": "Typed in",
                                                                    "trello_card_id": ""}))
    engine(tmp_path, sheet, board).full_sync()
    for lead_id in ("1", "2", "3"):
        card = board.cards[sheet.row(lead_id)["trello_card_id"]]
        assert card.lead_id == lead_id
    assert sheet.row("9")["trello_card_id"] == ""


def test_a_status_edited_in_the_sheet_during_the_run_is_not_overwritten(tmp_path: Path):
    sheet = FakeSheet(leads(2))
    board = _UserEditsDuringRun(sheet, None)
    eng = engine(tmp_path, sheet, board)
    eng.full_sync()
    sheet.row("1")["status"] = "CONTACTED"  # will move lead 1's card
    board.move_card(sheet.row("2")["trello_card_id"], "DONE")  # will write QUALIFIED for lead 2
    board.edit = lambda s: s.row("2").update(status="LOST")  # ...but the user sets LOST meanwhile
    result = eng.full_sync()
    assert sheet.row("2")["status"] == "LOST"
    assert result.skipped == 1 and any("edited in the sheet during the run" in m for m in result.messages)
    assert board.cards[sheet.row("1")["trello_card_id"]].list_name == "IN_PROGRESS"
