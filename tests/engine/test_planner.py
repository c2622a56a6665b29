"""The planner, case by case: every row of the README's Sync rules table and every unclean-input rule, plain data."""
from __future__ import annotations

from typing import Optional

import pytest

from core.models import BoardSnapshot, Card, CellUpdate, Lead, Link, SheetSnapshot, StatusMap, fields_hash
from core.plan import Kind, Mode, Plan, PlanOptions
from core.planner import plan

LISTS = {"TODO": "l1", "IN_PROGRESS": "l2", "DONE": "l3", "LOST": "l4", "Ideas": "l5"}


def cid(n: int) -> str:
    return f"{n:024x}"


def lead(id: str, status: str = "NEW", name: Optional[str] = None, row: int = 0, email: str = "a@x.io",
         source: str = "web", card: str = "") -> Lead:
    name = name if name is not None else f"Lead {id}"
    return Lead(row=row or (int(id) + 1 if id.isdigit() else 99), id=id, name=name, email=email,
                status=status, source=source, card_id=card)


def card(n: int, lead_id: Optional[str], list_name: str = "TODO", closed: bool = False, name: Optional[str] = None,
         extra: str = "", email: str = "a@x.io", source: str = "web") -> Card:
    desc = f"Lead ID: {lead_id}\nEmail: {email}\nSource: {source}" if lead_id else ""
    if extra:
        desc = f"{desc}\n\n{extra}" if desc else extra
    return Card(cid(n), name if name is not None else f"Follow-up: Lead {lead_id}", desc,
                LISTS.get(list_name, "gone"), list_name, closed)


def link(n: int, status: Optional[str] = "NEW", lead_obj: Optional[Lead] = None) -> Link:
    fields = lead_obj.fields_hash if lead_obj else None
    return Link(card_id=cid(n), status=status, fields=fields)


def sheet(*leads: Lead) -> SheetSnapshot:
    return SheetSnapshot("Leads", ["id", "name", "email", "status", "source", "trello_card_id"], list(leads),
                         {c: "ABCDEF"[i] for i, c in enumerate(["id", "name", "email", "status", "source",
                                                                   "trello_card_id"])})


def board(*cards: Card) -> BoardSnapshot:
    return BoardSnapshot("b", dict(LISTS), list(cards))


def run(leads: list[Lead], cards: list[Card], links: dict[str, Link], **opts: object) -> Plan:
    return plan(sheet(*leads), board(*cards), links, PlanOptions(**opts))  # type: ignore[arg-type]


def kinds(p: Plan) -> list[str]:
    return [a.kind for a in p.actions]


def synced(id: str, n: int, status: str = "NEW", **lead_kw: object) -> tuple[Lead, Card, Link]:
    """A lead, its card and its link, all agreeing on `status`."""
    ld = lead(id, status, card=cid(n), **lead_kw)  # type: ignore[arg-type]
    c = card(n, id, StatusMap().list_for(status))
    return ld, c, Link(cid(n), status, ld.fields_hash)


# -- rows of the table ------------------------------------------------------------------------

def test_new_lead_gets_a_card_in_the_list_for_its_status():
    p = run([lead("1", "CONTACTED")], [], {})
    (a,) = p.actions
    assert (a.kind, a.list_name, a.title) == (Kind.CREATE_CARD, "IN_PROGRESS", "Follow-up: Lead 1")
    assert a.desc == "Lead ID: 1\nEmail: a@x.io\nSource: web"
    assert p.links_after["1"].status == "CONTACTED" and p.links_after["1"].card_id == ""


def test_lost_lead_without_a_card_gets_no_card():
    p = run([lead("1", "LOST")], [], {})
    assert p.is_empty


def test_linked_pair_with_no_change_plans_nothing():
    ld, c, ln = synced("1", 1)
    assert run([ld], [c], {"1": ln}).is_empty


def test_changed_email_refreshes_the_managed_block_and_keeps_user_notes():
    ld, c, ln = synced("1", 1)
    c = card(1, "1", extra="Call after lunch")
    changed = lead("1", email="new@x.io", card=cid(1))
    p = run([changed], [c], {"1": ln})
    (a,) = p.actions
    assert a.kind == Kind.UPDATE_CARD and a.title is None
    assert a.desc == "Lead ID: 1\nEmail: new@x.io\nSource: web\n\nCall after lunch"
    assert p.links_after["1"].fields == changed.fields_hash


def test_renamed_lead_renames_the_card():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", name="Ann Smith", card=cid(1))], [c], {"1": ln})
    assert [(a.kind, a.title) for a in p.actions] == [(Kind.UPDATE_CARD, "Follow-up: Ann Smith")]


def test_card_title_edited_in_trello_is_left_alone_when_the_sheet_fields_did_not_change():
    ld, c, ln = synced("1", 1)
    c = card(1, "1", name="My own title")
    assert run([ld], [c], {"1": ln}).is_empty


def test_sheet_status_change_moves_the_card():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", "QUALIFIED", card=cid(1))], [c], {"1": ln})
    (a,) = p.actions
    assert (a.kind, a.from_value, a.to_value, a.card_id) == (Kind.MOVE_CARD, "TODO", "DONE", cid(1))
    assert p.links_after["1"].status == "QUALIFIED"


def test_card_move_writes_the_status_to_the_sheet():
    ld, c, ln = synced("1", 1)
    p = run([ld], [card(1, "1", "IN_PROGRESS")], {"1": ln})
    (a,) = p.actions
    assert a.kind == Kind.WRITE_STATUS and a.cells == [CellUpdate(ld.row, "status", "CONTACTED")]
    assert p.links_after["1"].status == "CONTACTED"


def test_both_changed_to_the_same_status_only_records_the_baseline():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", "CONTACTED", card=cid(1))], [card(1, "1", "IN_PROGRESS")], {"1": ln})
    assert p.actions == [] and p.conflicts == []
    assert p.links_after["1"].status == "CONTACTED"


@pytest.mark.parametrize("winner,kind,baseline", [("trello", Kind.WRITE_STATUS, "QUALIFIED"),
                                                   ("sheet", Kind.MOVE_CARD, "CONTACTED")])
def test_both_changed_differently_follows_conflict_winner_and_is_reported(winner, kind, baseline):
    ld, c, ln = synced("1", 1)
    p = run([lead("1", "CONTACTED", card=cid(1))], [card(1, "1", "DONE")], {"1": ln}, conflict_winner=winner)
    assert kinds(p) == [kind]
    assert len(p.conflicts) == 1 and "CONTACTED" in p.conflicts[0] and "QUALIFIED" in p.conflicts[0]
    assert p.links_after["1"].status == baseline


def test_card_in_an_unmapped_list_leaves_the_sheet_alone_and_warns():
    ld, c, ln = synced("1", 1)
    p = run([ld], [card(1, "1", "Ideas")], {"1": ln})
    assert p.actions == [] and p.unmapped == ["1"]
    assert any("Ideas" in m for m in p.messages)


def test_sheet_change_still_moves_a_card_out_of_an_unmapped_list():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", "LOST", card=cid(1))], [card(1, "1", "Ideas")], {"1": ln})
    assert [(a.kind, a.to_value) for a in p.actions] == [(Kind.MOVE_CARD, "LOST")]


def test_archived_card_gets_no_status_sync_is_reported_and_keeps_its_link():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", "QUALIFIED", card=cid(1))], [card(1, "1", "TODO", closed=True)], {"1": ln})
    assert p.actions == [] and p.archived == ["1"]
    assert "1" not in p.links_after  # unchanged link, not dropped


def test_deleted_card_deletes_an_unchanged_row():
    ld, c, ln = synced("1", 1)
    others = [synced(str(i), i) for i in range(2, 6)]
    p = run([ld] + [o[0] for o in others], [o[1] for o in others],
            {"1": ln, **{o[0].id: o[2] for o in others}})
    (a,) = p.actions
    assert a.kind == Kind.DELETE_ROW and a.lead == ld
    assert p.links_after == {"1": None}


def test_deleted_card_with_changed_row_gets_a_new_card_modified_beats_deleted():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", "CONTACTED", card=cid(1))], [], {"1": ln})
    assert [(a.kind, a.list_name) for a in p.actions] == [(Kind.CREATE_CARD, "IN_PROGRESS")]
    assert "modified beats deleted" in p.actions[0].reason


def test_deleted_card_with_changed_email_gets_a_new_card():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", email="new@x.io", card=cid(1))], [], {"1": ln})
    assert kinds(p) == [Kind.CREATE_CARD]


def test_deleted_row_archives_its_open_card_and_drops_the_link():
    keep = [synced(str(i), i) for i in range(2, 6)]
    _, c, ln = synced("1", 1)
    p = run([k[0] for k in keep], [c] + [k[1] for k in keep], {"1": ln, **{k[0].id: k[2] for k in keep}})
    assert [(a.kind, a.card_id) for a in p.actions] == [(Kind.ARCHIVE_CARD, cid(1))]
    assert p.links_after == {"1": None}


@pytest.mark.parametrize("cards", [[card(1, "1", closed=True)], []], ids=["archived", "deleted"])
def test_deleted_row_whose_card_is_gone_or_archived_only_drops_the_link(cards):
    keep = synced("2", 2)
    p = run([keep[0]], cards + [keep[1]], {"1": link(1), "2": keep[2]})
    assert p.actions == [] and p.links_after == {"1": None}


def test_unlinked_card_with_marker_and_no_row_is_reported_as_orphan():
    keep = synced("2", 2)
    p = run([keep[0]], [card(1, "7"), keep[1]], {"2": keep[2]})
    assert p.actions == [] and p.orphans == [cid(1)]


# -- finding cards / adoption ------------------------------------------------------------------

def test_card_named_in_the_trello_card_id_column_is_adopted_not_duplicated():
    c = Card(cid(5), "Follow-up: Lead 1", "old notes", "l1", "TODO")
    p = run([lead("1", card=cid(5))], [c], {})
    assert Kind.CREATE_CARD not in kinds(p)
    assert p.links_after["1"].card_id == cid(5)
    (a,) = p.actions  # the missing managed block is written, keeping the notes
    assert a.kind == Kind.UPDATE_CARD and a.desc.endswith("\n\nold notes") and a.desc.startswith("Lead ID: 1\n")


def test_card_with_the_lead_marker_is_adopted_and_the_column_written():
    p = run([lead("1")], [card(3, "1")], {})
    assert [(a.kind, a.to_value) for a in p.actions] == [(Kind.WRITE_CARD_ID, cid(3))]
    assert p.links_after["1"] == Link(cid(3), "NEW", lead("1").fields_hash)


@pytest.mark.parametrize("winner,kind", [("trello", Kind.WRITE_STATUS), ("sheet", Kind.MOVE_CARD)])
def test_adopted_card_with_a_different_status_is_decided_by_conflict_winner(winner, kind):
    p = run([lead("1", "NEW", card=cid(3))], [card(3, "1", "DONE")], {}, conflict_winner=winner)
    assert kinds(p) == [kind] and len(p.conflicts) == 1


def test_two_cards_with_one_marker_adopt_the_oldest_and_report_the_other():
    p = run([lead("1")], [card(9, "1"), card(4, "1")], {})
    assert p.links_after["1"].card_id == cid(4)
    assert p.duplicate_cards == [cid(9)]
    assert Kind.CREATE_CARD not in kinds(p)


def test_card_linked_to_another_lead_is_not_adopted_through_a_copied_column():
    ld2, c2, ln2 = synced("2", 2)
    p = run([ld2, lead("1", card=cid(2), email="other@x.io")], [c2], {"2": ln2})
    assert p.actions == [] and p.disputed == ["1"] and "2" not in p.links_after


def test_copied_card_id_of_a_lead_still_in_the_sheet_is_not_taken_even_for_the_same_email():
    ld2, c2, ln2 = synced("2", 2)
    p = run([ld2, lead("1", card=cid(2))], [c2], {"2": ln2})
    assert p.actions == [] and p.disputed == ["1"] and "2" not in p.links_after


def test_linked_lead_with_blank_card_id_column_gets_it_written_back():
    ld, c, ln = synced("1", 1)
    p = run([lead("1")], [c], {"1": ln})
    assert [(a.kind, a.cells) for a in p.actions] == [(Kind.WRITE_CARD_ID, [CellUpdate(2, "trello_card_id", cid(1))])]


# -- unclean input ---------------------------------------------------------------------------

def test_row_with_a_name_but_no_id_gets_the_next_free_id_written_back():
    p = run([lead("3"), Lead(row=5, id="", name="Bo", email="", status="NEW", source="")], [], {"7": link(7)})
    assign = [a for a in p.actions if a.kind == Kind.ASSIGN_ID]
    # 7 is still used by a link, so the new id is 8
    assert [a.cells for a in assign] == [[CellUpdate(5, "id", "8")]]
    assert any(a.kind == Kind.CREATE_CARD and a.lead_id == "8" for a in p.actions)


def test_blank_status_is_new_and_written_back():
    p = run([lead("1", status="  ")], [], {})
    assert [(a.kind, a.cells) for a in p.actions if a.kind == Kind.WRITE_STATUS] == [
        (Kind.WRITE_STATUS, [CellUpdate(2, "status", "NEW")])]
    assert [a.list_name for a in p.actions if a.kind == Kind.CREATE_CARD] == ["TODO"]


def test_status_is_trimmed_and_case_insensitive():
    ld, c, ln = synced("1", 1)
    assert run([lead("1", " new ", card=cid(1))], [c], {"1": ln}).is_empty


def test_unknown_status_is_reported_and_left_alone():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", "PENDING", card=cid(1))], [card(1, "1", "DONE")], {"1": ln})
    assert p.actions == [] and p.unknown_status == ["1"]
    assert any("PENDING" in m for m in p.messages)


def test_unknown_status_without_card_creates_nothing():
    p = run([lead("1", "PENDING")], [], {})
    assert p.actions == [] and p.unknown_status == ["1"]


def test_two_rows_with_one_id_are_both_skipped_and_not_counted_as_deleted():
    ld, c, ln = synced("1", 1)
    dup = lead("1", row=9, card=cid(1))
    p = run([ld, dup], [c], {"1": ln})
    assert p.actions == [] and p.duplicate_ids == ["1"]
    assert "1" not in p.links_after
    assert any("2, 9" in m for m in p.messages)


def test_blank_rows_are_ignored_and_do_not_shift_row_numbers():
    blank = Lead(row=3, id="", name="", email="", status="", source="")
    p = run([lead("1", "NEW", row=2), blank, lead("2", " ", row=4)], [], {})
    assert [a.cells for a in p.actions if a.kind == Kind.WRITE_STATUS] == [[CellUpdate(4, "status", "NEW")]]
    assert sorted(a.lead_id for a in p.actions if a.kind == Kind.CREATE_CARD) == ["1", "2"]


# -- guards ----------------------------------------------------------------------------------

def _linked(n: int) -> tuple[list[Lead], list[Card], dict[str, Link]]:
    triples = [synced(str(i), i) for i in range(1, n + 1)]
    return [t[0] for t in triples], [t[1] for t in triples], {t[0].id: t[2] for t in triples}


def test_empty_sheet_with_links_archives_nothing_and_keeps_links():
    leads, cards, links = _linked(3)
    p = run([], cards, links)
    assert p.actions == [] and len(p.held) == 3 and "sheet reads as empty" in p.guard
    assert p.links_after == {}


def test_empty_board_with_links_deletes_no_row():
    leads, cards, links = _linked(3)
    p = run(leads, [], links)
    assert Kind.DELETE_ROW not in kinds(p) and len(p.held) == 3 and "board reads as empty" in p.guard


def test_deletions_above_max_delete_percent_are_held_back():
    leads, cards, links = _linked(6)
    p = run(leads[:2], cards, links)
    assert p.actions == [] and len(p.held) == 4 and "MAX_DELETE_PERCENT" in p.guard
    assert p.links_after == {}


def test_force_delete_lets_deletions_above_the_limit_through():
    leads, cards, links = _linked(6)
    p = run(leads[:2], cards, links, force_delete=True)
    assert kinds(p).count(Kind.ARCHIVE_CARD) == 4 and p.guard is None


def test_two_deletions_pass_the_percent_guard_even_above_the_limit():
    leads, cards, links = _linked(3)
    p = run(leads[:1], cards, links)
    assert kinds(p).count(Kind.ARCHIVE_CARD) == 2 and p.guard is None


# -- other modes -------------------------------------------------------------------------------

def test_initial_sync_creates_missing_cards_adopts_and_never_deletes():
    ld, c, ln = synced("1", 1)
    p = run([lead("2", "QUALIFIED"), lead("3", "LOST"), lead("4", card=cid(4))],
            [card(4, "4", "DONE"), c], {"1": ln}, mode=Mode.INITIAL)
    assert [(a.kind, a.lead_id) for a in p.actions] == [(Kind.CREATE_CARD, "2")]
    assert p.links_after["4"] == Link(cid(4), None, lead("4").fields_hash)  # status left for the full sync


def test_push_copies_sheet_status_to_linked_cards_and_creates_nothing():
    ld, c, ln = synced("1", 1)
    p = run([lead("1", "LOST", card=cid(1)), lead("2")], [card(1, "1", "DONE")], {"1": ln}, mode=Mode.PUSH)
    assert [(a.kind, a.to_value) for a in p.actions] == [(Kind.MOVE_CARD, "LOST")]


def test_pull_copies_card_status_to_the_sheet_and_deletes_nothing():
    ld, c, ln = synced("1", 1)
    _, c2, ln2 = synced("2", 2)
    p = run([lead("1", "LOST", card=cid(1))], [card(1, "1", "DONE")], {"1": ln, "2": ln2}, mode=Mode.PULL)
    assert [(a.kind, a.to_value) for a in p.actions] == [(Kind.WRITE_STATUS, "QUALIFIED")]


def test_single_lead_sync_touches_only_that_lead():
    a1, c1, l1 = synced("1", 1)
    a2, c2, l2 = synced("2", 2)
    p = run([lead("1", "DONE".replace("DONE", "QUALIFIED"), card=cid(1)), lead("2", "LOST", card=cid(2))],
            [c1, c2], {"1": l1, "2": l2}, mode=Mode.LEAD, target="1")
    assert [(a.kind, a.lead_id, a.to_value) for a in p.actions] == [(Kind.MOVE_CARD, "1", "DONE")]


@pytest.mark.parametrize("target", [cid(2), "2"], ids=["by card id", "by lead id"])
def test_single_card_sync_copies_that_card_to_its_lead(target):
    a1, c1, l1 = synced("1", 1)
    a2, c2, l2 = synced("2", 2)
    p = run([a1, a2], [card(1, "1", "DONE"), card(2, "2", "LOST")], {"1": l1, "2": l2}, mode=Mode.CARD, target=target)
    assert [(a.kind, a.lead_id, a.to_value) for a in p.actions] == [(Kind.WRITE_STATUS, "2", "LOST")]


def test_single_lead_sync_of_an_unknown_id_says_so():
    p = run([lead("1")], [], {}, mode=Mode.LEAD, target="42")
    assert p.actions == [] and p.not_found == ["42"] and "42" in p.messages[0]


def test_after_applying_a_full_plan_by_hand_the_next_plan_is_empty():
    ld, c, ln = synced("1", 1)
    links = {"1": ln}
    p = run([lead("1", "CONTACTED", card=cid(1))], [c], links)
    links["1"] = p.links_after["1"]
    assert run([lead("1", "CONTACTED", card=cid(1))], [card(1, "1", "IN_PROGRESS")], links).is_empty


def test_fields_hash_ignores_surrounding_spaces():
    assert fields_hash(" a ", "b", "c") == fields_hash("a", "b ", " c")
