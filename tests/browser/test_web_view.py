"""The sandbox's web view in real headless Chromium: what a reviewer sees and can do on the page."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import DemoServer, Page, chromium, resize

pytestmark = pytest.mark.browser

STATUS, CARD_ID = 3, 5  # columns of the demo sheet (id, name, email, status, source, trello_card_id)


def synced(page: Page) -> None:
    result = page.run("sync")
    assert "Created10" in result.replace(" ", "").replace("\n", ""), result
    page.wait(lambda: sum(len(c) for c in page.lists().values()) == 10, "the ten demo cards")


def type_into(page: Page, lead_id: str, column: int, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page.act(lambda: page.cell(lead_id, column).click())
    editor = page.wait(lambda: page.driver.find_element(By.CSS_SELECTOR, "#grid-body td.cell input"), "a cell editor")
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(text, Keys.ENTER)


def hover(page: Page, element: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(page.driver).move_to_element(element).perform()


def click_tool(page: Page, title: str, action: str) -> None:
    from selenium.webdriver.common.by import By

    card = page.card(title)
    hover(page, card)  # a card's buttons show under the mouse (the keyboard has its own keys)
    card.find_element(By.CSS_SELECTOR, f'[data-action="{action}"]').click()


def delete_row(page: Page, lead_id: str, row: int) -> None:
    from selenium.webdriver.common.by import By

    hover(page, page.cell(lead_id, 1))
    page.driver.find_element(By.CSS_SELECTOR, f'#grid-body .del-row[data-row="{row}"]').click()


def test_the_page_shows_the_demo_leads_and_the_cards_a_sync_makes(page: Page) -> None:
    rows = page.rows()
    assert rows[0] == ["id", "name", "email", "status", "source", "trello_card_id"]
    assert [r[1] for r in rows[1:4]] == ["Maria Schneider", "James Okafor", "Sofia Lindqvist"]
    assert page.lists() == {"TODO": [], "IN_PROGRESS": [], "DONE": [], "LOST": []}
    synced(page)
    assert page.list_of("Follow-up: Maria Schneider") == "TODO"
    assert page.list_of("Follow-up: Sofia Lindqvist") == "DONE"
    assert page.run_log().count("Created a card for") == 10 and "create_card" not in page.run_log()
    # The sync wrote each new card's id to the sheet, and the page shows it.
    page.wait(lambda: all(r[CARD_ID] for r in page.rows()[1:] if r[STATUS] != "LOST"), "the new card ids")


def test_a_status_edited_in_the_sheet_moves_the_card_after_sync(page: Page) -> None:
    synced(page)
    type_into(page, "1", STATUS, "CONTACTED")
    page.wait(lambda: page.demo.worksheet().acell("D2").value == "CONTACTED", "the edit saved in the sheet")
    assert page.list_of("Follow-up: Maria Schneider") == "TODO"
    page.run("sync")
    page.wait(lambda: page.list_of("Follow-up: Maria Schneider") == "IN_PROGRESS", "the card in IN_PROGRESS")
    assert "Moved Maria Schneider's card (lead 1) from TODO to IN_PROGRESS (the sheet changed)" in page.run_log()
    classes = page.act(lambda: page.card("Follow-up: Maria Schneider").get_attribute("class"))
    assert "flash-sync" in classes  # what the sync carried across stands out


def test_a_card_moved_with_the_keyboard_changes_the_status_cell_after_sync(page: Page) -> None:
    from selenium.webdriver.common.keys import Keys

    synced(page)
    page.act(lambda: page.card("Follow-up: James Okafor").send_keys(Keys.ARROW_RIGHT))
    page.wait(lambda: page.list_of("Follow-up: James Okafor") == "DONE", "the card in DONE")
    assert page.row("2")[STATUS] == "CONTACTED"
    page.run("sync")
    page.wait(lambda: page.row("2")[STATUS] == "QUALIFIED", "the status cell QUALIFIED")
    assert page.demo.worksheet().acell("D3").value == "QUALIFIED"
    assert "Set James Okafor's status (lead 2) to QUALIFIED (the card moved in Trello)" in page.run_log()


def test_a_card_dragged_to_another_list_lands_there(page: Page) -> None:
    synced(page)
    page.js("""
        const card = [...document.querySelectorAll('#board .card')]
            .find(c => c.querySelector('.card-title').textContent === 'Follow-up: Daniel Novak');
        const target = [...document.querySelectorAll('#board .list')]
            .find(l => l.querySelector('.list-name').textContent === 'LOST').querySelector('.cards');
        const data = new DataTransfer();
        const at = target.getBoundingClientRect();
        const event = (type, node) => node.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true,
            dataTransfer: data, clientX: at.left + 10, clientY: at.top + 10}));
        event('dragstart', card); event('dragover', target); event('drop', target); event('dragend', card);
    """)
    page.wait(lambda: page.list_of("Follow-up: Daniel Novak") == "LOST", "the card in LOST")
    lists = {lst.id: lst.name for lst in page.demo.board().all_lists()}
    cards = {c.name: lists[c.list_id] for c in page.demo.board().open_cards()}
    assert cards["Follow-up: Daniel Novak"] == "LOST"


def test_preview_lists_the_plan_and_changes_nothing(page: Page) -> None:
    synced(page)
    page.demo.worksheet().update_acell("D5", "QUALIFIED")  # lead 4, Daniel Novak, through gspread
    page.wait(lambda: page.row("4")[STATUS] == "QUALIFIED", "the gspread edit")
    result = page.run("preview")
    assert "Preview: what a full sync would do" in result and "dry run: nothing was changed" in result
    plan = page.js("""return [...document.querySelectorAll('#run-log table.plan tr')].slice(1)
        .map(tr => [...tr.children].map(td => td.textContent));""")
    # The terminal's words for each change, never the internal kind (move_card).
    assert [row[:2] for row in plan] == [
        ["4", "Moved Daniel Novak's card (lead 4) from TODO to DONE (the sheet changed)"]], plan
    assert plan[0][2]  # each action says why
    assert "move_card" not in page.run_log()
    assert page.list_of("Follow-up: Daniel Novak") == "TODO"


def test_the_page_refreshes_by_itself_after_a_change_made_through_gspread(page: Page) -> None:
    page.demo.worksheet().update_acell("B3", "James Okafor-Reyes")
    page.wait(lambda: page.row("2")[1] == "James Okafor-Reyes", "the new name", timeout=5)
    assert "flash-edit" in page.act(lambda: page.cell("2", 1).get_attribute("class"))
    page.demo.board().all_lists()[0].add_card("Made in Trello", "")
    page.wait(lambda: "Made in Trello" in page.lists()["TODO"], "the new card", timeout=5)


def test_rows_and_cards_changed_on_the_page_reach_the_services(page: Page) -> None:
    from selenium.webdriver.common.by import By

    synced(page)
    fields = page.driver.find_elements(By.CSS_SELECTOR, "#add-fields input")
    values = {"id": "13", "name": "Ines Duarte", "email": "ines@duarte.pt", "status": "NEW", "source": "Web"}
    for field in fields:
        field.send_keys(values[field.get_attribute("placeholder")])
    page.driver.find_element(By.CSS_SELECTOR, "#add-row button[type=submit]").click()
    page.wait(lambda: page.demo.worksheet().row_values(14)[:2] == ["13", "Ines Duarte"], "the added row")
    # Lead 6, Tom Becker, in row 7: the row's delete button shows under the mouse.
    page.act(lambda: delete_row(page, lead_id="6", row=7))
    page.wait(lambda: "Tom Becker" not in page.demo.worksheet().col_values(2), "the deleted row")
    page.act(lambda: click_tool(page, "Follow-up: Aiko Tanaka", "archive"))
    page.wait(lambda: page.js("return document.querySelector('#archived-count').textContent") == "1",
              "an archived card")
    archived = [c for c in page.demo.board().closed_cards() if c.name == "Follow-up: Aiko Tanaka"]
    assert len(archived) == 1
    page.js("document.querySelector('#archived').open = true")
    page.act(lambda: page.driver.find_element(By.CSS_SELECTOR, '#archived-list [data-action="unarchive"]').click())
    page.wait(lambda: page.list_of("Follow-up: Aiko Tanaka") == "DONE", "the card back in DONE")
    page.act(lambda: click_tool(page, "Follow-up: Oliver Grant", "delete"))
    page.wait(lambda: "Follow-up: Oliver Grant" not in [c.name for c in page.demo.board().all_cards()], "deletion")


def test_a_held_back_deletion_is_shown_in_the_terminals_words(page: Page) -> None:
    synced(page)
    for title in ("Follow-up: Maria Schneider", "Follow-up: James Okafor", "Follow-up: Sofia Lindqvist",
                  "Follow-up: Daniel Novak", "Follow-up: Priya Raman", "Follow-up: Aiko Tanaka"):
        card = next(c for c in page.demo.board().open_cards() if c.name == title)
        card.delete()
    page.wait(lambda: sum(len(c) for c in page.lists().values()) == 4, "six cards gone")
    result = page.run("sync")
    assert "deletions or archivings were held back by a safety guard" in result
    held = page.js("return [...document.querySelectorAll('#run-result tr.held')].length")
    assert held == 6 and len(page.rows()) == 13
    # The menu's y/N, on the page: doing nothing keeps them; the button deletes them.
    assert "Or do nothing: they are all kept, and the next sync holds them back again." in result
    page.press("force-delete")
    page.wait(lambda: len(page.rows()) == 7, "the six rows deleted")
    page.wait(lambda: "Deleted6" in page.js("return document.querySelector('#run-result').textContent")
              .replace(" ", ""), "the run's summary")


def test_the_reset_button_asks_first_then_brings_the_demo_back(page: Page) -> None:
    from selenium.webdriver.common.by import By

    synced(page)
    page.driver.find_element(By.ID, "reset").click()
    page.wait(lambda: page.driver.find_element(By.ID, "reset-dialog").get_attribute("open") is not None, "the question")
    page.driver.find_element(By.ID, "reset-cancel").click()
    assert sum(len(c) for c in page.lists().values()) == 10
    page.driver.find_element(By.ID, "reset").click()
    page.wait(lambda: page.driver.find_element(By.ID, "reset-confirm").is_displayed(), "the question")
    page.driver.find_element(By.ID, "reset-confirm").click()
    page.wait(lambda: sum(len(c) for c in page.lists().values()) == 0, "an empty board")
    assert all(not r[CARD_ID] for r in page.rows()[1:])
    synced(page)  # nothing held back: the demo's links went with the reset


def test_the_web_view_never_shows_lead_data_without_the_token(demo: DemoServer) -> None:
    from selenium.webdriver.common.by import By

    with chromium() as stranger:
        stranger.get(demo.url + "/")
        view = Page(stranger, demo)
        view.wait(lambda: stranger.find_element(By.ID, "locked").is_displayed(), "the request for the token")
        assert "Maria" not in stranger.page_source and view.rows() == []
        stranger.get(demo.url + "/_sandbox/view")
        assert "Maria" not in stranger.page_source
    assert requests.get(demo.url + "/_sandbox/view", timeout=10).status_code == 401


def test_the_page_fits_a_wide_and_a_narrow_window_and_keeps_still_on_updates(page: Page) -> None:
    panes = "return [...document.querySelectorAll('.pane')].map(p => JSON.stringify(p.getBoundingClientRect()))"
    overflow = "return document.documentElement.scrollWidth - window.innerWidth"
    synced(page)
    before = page.js(panes)
    page.demo.worksheet().update_acell("B2", "Maria Schneider-Lang")
    page.wait(lambda: page.row("1")[1] == "Maria Schneider-Lang", "the update")
    assert page.js(panes) == before  # no layout jump when data changes
    assert page.js(overflow) <= 0
    resize(page.driver, 420, 860)
    try:
        page.wait(lambda: page.js("return document.querySelector('.sheet-pane').getBoundingClientRect().width") < 420,
                  "the narrow layout")
        assert page.js(overflow) <= 0
        widths = page.js("return [...document.querySelectorAll('.pane')].map(p => p.getBoundingClientRect().right)")
        assert all(right <= 420 for right in widths)
    finally:
        resize(page.driver, 1280, 800)


def test_screenshot_of_the_page_for_the_readme(page: Page, tmp_path: Path) -> None:
    """A demo moment: synced, a status changed in the sheet, a card moved, then Preview.

    `WORKLEAD_SCREENSHOT=docs/demo.png python -m pytest -m browser -k screenshot` refreshes the README's.
    """
    from selenium.webdriver.common.keys import Keys

    synced(page)
    type_into(page, "4", STATUS, "CONTACTED")
    page.wait(lambda: page.row("4")[STATUS] == "CONTACTED", "the edit")
    page.act(lambda: page.card("Follow-up: Emma Walsh").send_keys(Keys.ARROW_RIGHT))
    page.wait(lambda: page.list_of("Follow-up: Emma Walsh") == "DONE", "the move")
    page.run("preview")
    shot = tmp_path / "demo.png"
    page.driver.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("WORKLEAD_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)
