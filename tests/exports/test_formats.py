import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from exports.formats import Column, csv_chunks, neutralise, write_xlsx

COLUMNS = (
    Column("text", "t"),
    Column("amount", "n", "number"),
    Column("day", "d", "date"),
)
DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_formula_start_is_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Plain", "a=b", "12", "", "O'Brien", "e-mail"])
def test_plain_text_is_left_alone(value):
    assert neutralise(value) == value


def _csv(rows):
    body = b"".join(csv_chunks(COLUMNS, rows)).decode("utf-8")
    return body, list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_csv_starts_with_a_byte_order_mark_and_the_header():
    body, rows = _csv([])
    assert body.startswith("\ufeff")
    assert rows == [["text", "amount", "day"]]


def test_csv_neutralises_every_formula_cell():
    _body, rows = _csv([(value, 1, None) for value in DANGEROUS])
    assert [row[0] for row in rows[1:]] == ["'" + value for value in DANGEROUS]


def test_csv_writes_numbers_and_days_plainly():
    _body, rows = _csv([("x", Decimal("12.50"), dt.date(2026, 3, 1))])
    assert rows[1] == ["x", "12.50", "2026-03-01"]


def test_csv_leaves_plain_text_alone():
    plain = ["Plain", "a=b", "12", "", "O'Brien", "e-mail"]
    _body, rows = _csv([(value, 1, None) for value in plain])
    assert [row[0] for row in rows[1:]] == plain


def test_csv_writes_a_time_to_the_second_and_nothing_as_an_empty_cell():
    moment = dt.datetime(2026, 3, 1, 9, 30, 5, 123, tzinfo=dt.UTC)
    _body, rows = _csv([(None, None, moment)])
    assert rows[1] == ["", "", "2026-03-01T09:30:05+00:00"]


def _xlsx(rows):
    out = io.BytesIO()
    write_xlsx(out, COLUMNS, rows, sheet="Test")
    out.seek(0)
    return openpyxl.load_workbook(out).active


def test_xlsx_neutralises_every_formula_cell():
    sheet = _xlsx([(value, 1, None) for value in DANGEROUS])
    cells = [sheet.cell(row=i + 2, column=1) for i in range(len(DANGEROUS))]
    # XLSX escapes a carriage return as _x000D_, which openpyxl leaves as written.
    assert [c.value.replace("_x000D_", "\r") for c in cells] == ["'" + v for v in DANGEROUS]
    assert {c.data_type for c in cells} == {"s"}  # text, never a formula


def test_xlsx_cells_are_typed():
    sheet = _xlsx([("x", Decimal("12.5"), dt.date(2026, 3, 1))])
    assert sheet["A1"].value == "text" and sheet["A1"].font.bold
    assert sheet["B2"].value == 12.5 and sheet["B2"].data_type == "n"
    assert sheet["C2"].value == dt.datetime(2026, 3, 1)
    assert sheet["C2"].is_date


def test_xlsx_header_is_frozen_and_columns_have_widths():
    sheet = _xlsx([("x", 1, None)])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width > 10
