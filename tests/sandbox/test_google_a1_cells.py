"""A1 notation and cell rendering: the parts of the Sheets model that clients' ranges and values rely on."""
from __future__ import annotations

import pytest

from sandbox.google import cells
from sandbox.google.a1 import A1Error, Cells, column_index, column_letters, format_range, parse_cells, split_sheet


@pytest.mark.parametrize("text, expected", [
    ("A1", Cells(0, 0, 1, 1)),
    ("B2:D4", Cells(1, 1, 4, 4)),
    ("D4:A1", Cells(0, 0, 4, 4)),
    ("A2:F", Cells(1, 0, None, 6)),
    ("A:A", Cells(0, 0, None, 1)),
    ("2:2", Cells(1, 0, 2, None)),
    ("A2:2", Cells(1, 0, 2, None)),
    ("AA10", Cells(9, 26, 10, 27)),
])
def test_a1_ranges_name_the_cells_sheets_means(text: str, expected: Cells) -> None:
    assert parse_cells(text) == expected


@pytest.mark.parametrize("text", ["", "A", "A0", "A1:B2:C3", "1A"])
def test_malformed_a1_is_refused(text: str) -> None:
    with pytest.raises(A1Error):
        parse_cells(text)


def test_quoted_sheet_names_keep_spaces_and_quotes() -> None:
    assert split_sheet("'My ''Q1'' Sheet'!A1:B2") == ("My 'Q1' Sheet", "A1:B2")
    assert split_sheet("'Leads'") == ("Leads", None)
    assert split_sheet("Leads") == (None, "Leads")


def test_columns_beyond_z_round_trip() -> None:
    assert [column_letters(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert all(column_index(column_letters(i)) == i for i in range(2000))


def test_ranges_are_written_back_as_sheets_writes_them() -> None:
    assert format_range("Sheet1", Cells(0, 0, 1000, 26)) == "Sheet1!A1:Z1000"
    assert format_range("Sheet1", Cells(1, 1, 2, 2)) == "Sheet1!B2"
    assert format_range("🌵 test 1", Cells(0, 0, 2, 3)) == "'🌵 test 1'!A1:C2"
    assert format_range("A1", Cells(0, 0, 1, 1)) == "'A1'!A1"


def test_user_entered_input_is_typed_and_raw_input_is_text() -> None:
    assert cells.from_input("0042", user_entered=True) == 42
    assert cells.from_input("0042", user_entered=False) == "0042"
    assert cells.from_input("=1+1", user_entered=False) == "=1+1"
    assert cells.from_input("'=1+1", user_entered=True) == "=1+1"


@pytest.mark.parametrize("raw, formatted, unformatted, formula", [
    ("=4/2", "2", 2, "=4/2"),
    ("=3/2", "1.5", 1.5, "=3/2"),
    ("2020-01-01", "2020-01-01", 43831, 43831),
    (0.12, "0.12", 0.12, 0.12),
    ("TRUE", "TRUE", True, True),
    ("=1/0", "#DIV/0!", "#DIV/0!", "=1/0"),
])
def test_each_render_option_shows_what_sheets_shows(raw: object, formatted: str, unformatted: object,
                                                     formula: object) -> None:
    cell = cells.from_input(raw, user_entered=True)
    assert cell is not None
    assert cells.render(cell, "FORMATTED_VALUE") == formatted
    assert cells.render(cell, "UNFORMATTED_VALUE") == unformatted
    assert cells.render(cell, "FORMULA") == formula


def test_a_huge_power_formula_answers_num_error_instead_of_freezing_the_sandbox() -> None:
    assert cells.evaluate(cells.Formula("=10^400")) == "#NUM!"
    assert cells.evaluate(cells.Formula("=9^9^9^9")) == "#NUM!"
    assert cells.evaluate(cells.Formula("=2^3^2")) == 64  # ^ is left-associative in Sheets
