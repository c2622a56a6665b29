"""The README's Sync rules, from outside: one-way operations, settings end to end, unclean input."""
from __future__ import annotations

import gspread
import trello

from tests.spec.conftest import HEADER, Cli, ServedSandbox


def card_of(sb: ServedSandbox, lead_id: str, archived: bool = False) -> list[trello.Card]:
    return [c for c in sb.cards(include_archived=archived) if f"Lead ID: {lead_id}\n" in (c.description + "\n")]


def list_name(sb: ServedSandbox, card: trello.Card) -> str:
    names = {lst.id: lst.name for lst in sb.board().all_lists()}
    card.fetch()
    return names[card.list_id]


def move(sb: ServedSandbox, card: trello.Card, name: str) -> None:
    target = next(lst for lst in sb.board().all_lists() if lst.name == name)
    card.change_list(target.id)


def row(sheet: gspread.Worksheet, lead_id: str) -> dict[str, str]:
    return next(r for r in records(sheet) if r["id"] == lead_id)


def records(sheet: gspread.Worksheet) -> list[dict[str, str]]:
    values = sheet.get_all_values()
    header = [h.strip().lower() for h in values[0]]
    return [dict(zip(header, r + [""] * (len(header) - len(r)), strict=False)) for r in values[1:]]


def set_status(sheet: gspread.Worksheet, lead_id: str, status: str) -> None:
    values = sheet.get_all_values()
    col = [h.strip().lower() for h in values[0]].index("status") + 1
    id_col = [h.strip().lower() for h in values[0]].index("id")
    r = next(i for i, v in enumerate(values, start=1) if i > 1 and v[id_col] == lead_id)
    sheet.update_cell(r, col, status)


def test_card_made_for_a_lead_has_the_title_and_managed_block(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    card = card_of(sb, "1")[0]
    assert card.name == "Follow-up: Maria Schneider"
    assert card.description.startswith("Lead ID: 1\nEmail: maria.schneider@brightlane.de\nSource: Website")
    assert list_name(sb, card) == "TODO"
    assert row(sb.worksheet(), "1")["trello_card_id"] == card.id
    assert card_of(sb, "6") == []  # LOST: no card


def test_sheet_edit_moves_card_and_card_move_updates_sheet(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    set_status(sb.worksheet(), "1", "qualified ")  # trimmed, any case
    move(sb, card_of(sb, "2")[0], "LOST")
    assert cli("sync").code == 0
    assert list_name(sb, card_of(sb, "1")[0]) == "DONE"
    sheet = sb.worksheet()
    assert row(sheet, "2")["status"] == "LOST"
    assert row(sheet, "1")["status"].strip().upper() == "QUALIFIED"


def test_user_text_below_the_managed_block_survives_a_refresh(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    card = card_of(sb, "1")[0]
    card.set_description(card.description + "\n\nCall back on Monday.")
    sheet = sb.worksheet()
    sheet.update_cell(2, 3, "maria@new.example")
    assert cli("sync").code == 0
    card = card_of(sb, "1")[0]
    assert "Email: maria@new.example" in card.description
    assert "Call back on Monday." in card.description


def test_conflict_winner_sheet_keeps_the_sheet_status_end_to_end(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    set_status(sb.worksheet(), "1", "CONTACTED")
    move(sb, card_of(sb, "1")[0], "DONE")
    run = cli("sync", CONFLICT_WINNER="sheet")
    assert run.code == 0, run.out
    assert list_name(sb, card_of(sb, "1")[0]) == "IN_PROGRESS"
    assert row(sb.worksheet(), "1")["status"] == "CONTACTED"
    assert "onflict" in run.out


def test_conflict_default_trello_wins(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    set_status(sb.worksheet(), "1", "CONTACTED")
    move(sb, card_of(sb, "1")[0], "DONE")
    assert cli("sync").code == 0
    assert row(sb.worksheet(), "1")["status"] == "QUALIFIED"


def test_status_map_with_custom_list_names_end_to_end(cli: Cli, sb: ServedSandbox) -> None:
    board = sb.board()
    for name in ("To Do", "Doing", "Won", "Gone"):
        board.add_list(name)
    status_map = "NEW=To Do,CONTACTED=Doing,QUALIFIED=Won,LOST=Gone"
    assert cli("sync", STATUS_MAP=status_map).code == 0
    assert list_name(sb, card_of(sb, "1")[0]) == "To Do"
    assert list_name(sb, card_of(sb, "3")[0]) == "Won"
    move(sb, card_of(sb, "1")[0], "Doing")
    assert cli("sync", STATUS_MAP=status_map).code == 0
    assert row(sb.worksheet(), "1")["status"] == "CONTACTED"


def test_worksheet_setting_uses_the_named_second_worksheet(cli: Cli, sb: ServedSandbox) -> None:
    first_before = sb.worksheet().get_all_values()
    second = sb.spreadsheet().add_worksheet("Pipeline", rows=20, cols=8)
    second.update([HEADER, ["77", "Zoe Park", "zoe@park.example", "CONTACTED", "Web", ""]], "A1")
    assert cli("sync", WORKSHEET="Pipeline").code == 0
    assert [c.name for c in sb.cards()] == ["Follow-up: Zoe Park"]
    assert second.get_all_values()[1][5] == card_of(sb, "77")[0].id
    assert sb.worksheet().get_all_values() == first_before


def test_header_in_another_order_case_and_spacing_and_other_columns_untouched(cli: Cli, sb: ServedSandbox) -> None:
    header = ["Notes", " Status ", "EMAIL", "trello_card_id", "Name", "ID", "Source", "Owner"]
    sb.set_sheet([["keep me", "NEW", "a@x.example", "", "Ann", "1", "Web", "=1+1"],
                  ["mine too", "CONTACTED", "b@x.example", "", "Bob", "2", "Ads", "Joe"]], header=header)
    assert cli("sync").code == 0
    values = sb.worksheet().get_all_values()
    assert values[0] == header
    assert [v[0] for v in values[1:]] == ["keep me", "mine too"]
    assert [v[7] for v in values[1:]] == ["=1+1", "Joe"]
    assert values[1][3] == card_of(sb, "1")[0].id and values[2][3] == card_of(sb, "2")[0].id
    assert list_name(sb, card_of(sb, "2")[0]) == "IN_PROGRESS"


def test_unclean_rows_are_repaired_reported_or_skipped_never_lost(cli: Cli, sb: ServedSandbox) -> None:
    sb.set_sheet([
        ["5", "Five", "five@x.example", "NEW", "Web", ""],
        ["", "No Id", "noid@x.example", "CONTACTED", "Web", ""],
        ["", "", "", "", "", ""],
        ["6", "Blank Status", "blank@x.example", "", "Web", ""],
        ["7", "Pending", "pending@x.example", "PENDING", "Web", ""],
        ["8", "Dup A", "a@x.example", "NEW", "Web", ""],
        ["8", "Dup B", "b@x.example", "NEW", "Web", ""],
        ["9", "=1+1", "formula@x.example", "NEW", "Web", ""],
    ])
    run = cli("sync")
    assert run.code in (0, 1), run.out
    assert "PENDING" in run.out and "8" in run.out
    values = sb.worksheet().get_all_values()
    assert len(values) == 9  # nothing removed, the blank interior row kept in place
    assert values[2][0] == "10" and values[2][1] == "No Id"  # next free whole number, written back
    assert values[3][:5] == ["", "", "", "", ""]
    assert values[4][3] == "NEW"
    assert values[5][3] == "PENDING"
    assert values[8][1] == "=1+1"  # still text, not a formula
    assert card_of(sb, "8") == []
    assert card_of(sb, "10")[0].name == "Follow-up: No Id"
    assert card_of(sb, "9")[0].name == "Follow-up: =1+1"
    # A second run deletes nothing and duplicates nothing.
    again = cli("sync")
    assert again.code in (0, 1), again.out
    assert len(sb.worksheet().get_all_values()) == 9
    ids = [c.description.splitlines()[0] for c in sb.cards()]
    assert len(ids) == len(set(ids))


def test_duplicate_ids_are_not_counted_as_deleted(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    sheet = sb.worksheet()
    sheet.append_row(["1", "Maria Copy", "copy@x.example", "NEW", "Web", ""])
    run = cli("sync")
    assert run.code in (0, 1), run.out
    assert "1" in run.out
    assert len(card_of(sb, "1")) == 1  # not archived as if the lead were gone, and not duplicated
    assert len(sb.worksheet().get_all_values()) == 14
    assert cli.jsonl("trash.jsonl") == []


def test_text_from_trello_never_becomes_a_formula(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    card_of(sb, "1")[0].set_name("=1+1")
    move(sb, card_of(sb, "1")[0], "DONE")
    assert cli("sync").code == 0
    values = sb.worksheet().get(value_render_option=gspread.utils.ValueRenderOption.formula)
    assert values[1][3] == "QUALIFIED"
    assert all(not str(v).startswith("=") for r in values for v in r)


def test_deleted_row_archives_its_card(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    sb.worksheet().delete_rows(2)  # lead 1
    assert cli("sync").code == 0
    assert card_of(sb, "1") == []
    assert len(card_of(sb, "1", archived=True)) == 1
    assert "1" not in cli.mapping()["links"]


def test_deleted_card_deletes_the_row_into_the_trash(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    card_of(sb, "1")[0].delete()
    assert cli("sync").code == 0
    assert "1" not in [r["id"] for r in records(sb.worksheet())]
    trash = cli.jsonl("trash.jsonl")
    assert len(trash) == 1
    text = str(trash[0])
    assert "Maria Schneider" in text
    assert any(k in trash[0] for k in ("time", "deleted_at", "at"))
    assert any(k in trash[0] for k in ("reason", "why"))


def test_archived_card_keeps_its_row_and_link(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    card_of(sb, "1")[0].set_closed(True)
    set_status(sb.worksheet(), "1", "LOST")
    assert cli("sync").code == 0
    assert row(sb.worksheet(), "1")["status"] == "LOST"
    assert "1" in cli.mapping()["links"]


def test_edited_row_whose_card_was_deleted_gets_a_new_card(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    old = card_of(sb, "1")[0]
    old.delete()
    set_status(sb.worksheet(), "1", "CONTACTED")
    assert cli("sync").code == 0
    new = card_of(sb, "1")
    assert len(new) == 1 and new[0].id != old.id
    assert row(sb.worksheet(), "1")["trello_card_id"] == new[0].id


def test_push_and_pull_copy_status_one_way_and_create_or_delete_nothing(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    sheet = sb.worksheet()
    sheet.append_row(["50", "New Person", "n@x.example", "NEW", "Web", ""])
    card_of(sb, "4")[0].delete()
    set_status(sheet, "1", "CONTACTED")
    assert cli("push").code == 0
    assert list_name(sb, card_of(sb, "1")[0]) == "IN_PROGRESS"
    assert card_of(sb, "50") == []
    move(sb, card_of(sb, "2")[0], "DONE")
    assert cli("pull").code == 0
    assert row(sb.worksheet(), "2")["status"] == "QUALIFIED"
    assert "4" in [r["id"] for r in records(sb.worksheet())]
    assert card_of(sb, "50") == []
    assert len(sb.cards()) == 9


def test_lead_and_card_commands_sync_one_item(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    set_status(sb.worksheet(), "1", "LOST")
    set_status(sb.worksheet(), "4", "LOST")
    assert cli("lead", "1").code == 0
    assert list_name(sb, card_of(sb, "1")[0]) == "LOST"
    assert list_name(sb, card_of(sb, "4")[0]) == "TODO"  # only the one lead
    card2 = card_of(sb, "2")[0]
    move(sb, card2, "DONE")
    move(sb, card_of(sb, "5")[0], "DONE")
    assert cli("card", card2.id).code == 0  # 24 hex digits: a card id
    assert row(sb.worksheet(), "2")["status"] == "QUALIFIED"
    assert row(sb.worksheet(), "5")["status"] == "CONTACTED"
    assert cli("card", "5").code == 0  # anything else: a lead id
    assert row(sb.worksheet(), "5")["status"] == "QUALIFIED"


def test_menu_option_6_accepts_a_card_id(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    card = card_of(sb, "2")[0]
    move(sb, card, "LOST")
    run = cli(stdin=f"6\n{card.id}\nQ\n")
    assert run.code == 0, run.out
    assert row(sb.worksheet(), "2")["status"] == "LOST"


def test_orphan_card_with_marker_is_left_alone_and_reported(cli: Cli, sb: ServedSandbox) -> None:
    todo = next(lst for lst in sb.board().all_lists() if lst.name == "TODO")
    todo.add_card("Follow-up: Ghost", "Lead ID: 999\nEmail: g@x.example\nSource: Web")
    assert cli("sync").code == 0
    assert len(card_of(sb, "999")) == 1
    assert "999" not in [r["id"] for r in records(sb.worksheet())]
    report = cli("status")
    assert report.code == 0 and "999" in report.out


def test_existing_card_with_marker_is_adopted_not_duplicated(cli: Cli, sb: ServedSandbox) -> None:
    todo = next(lst for lst in sb.board().all_lists() if lst.name == "TODO")
    made = todo.add_card("Follow-up: Maria Schneider", "Lead ID: 1\nEmail: x@x\nSource: Web")
    assert cli("sync").code == 0
    assert [c.id for c in card_of(sb, "1")] == [made.id]
    assert row(sb.worksheet(), "1")["trello_card_id"] == made.id


def test_empty_sheet_with_links_deletes_and_archives_nothing(cli: Cli, sb: ServedSandbox) -> None:
    assert cli("sync").code == 0
    sb.set_sheet([])
    run = cli("sync", "--force-delete")
    assert run.code in (0, 4), run.out
    assert len(sb.cards()) == 10
