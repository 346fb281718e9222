"""Exports of the displayed tables: CSV for French Excel and XLSX, round trips and formula escaping."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from ecotransition.surfaces import export

DANGEROUS = ["=1+2", "+33 6 12 34 56 78", "-2+3", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\";\"clic\")",
             "\tTAB", "\rCR"]


@pytest.fixture()
def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["Gigafactory ACC", "Projet « H »; virgule, guillemet \"", "Multi\nligne"] + DANGEROUS,
        "amount": [2.5e9, None, 12.345] + [1.0] * len(DANGEROUS),
        "jobs": pd.array([450, None, 3] + [1] * len(DANGEROUS), dtype="Int64"),
        "day": [date(2023, 6, 30), None, date(2024, 1, 1)] + [date(2023, 9, 26)] * len(DANGEROUS),
        "demo": [False, True, None] + [True] * len(DANGEROUS),
    })


LABELS = {"name": "Projet", "amount": "Montant (€)", "jobs": "Emplois", "day": "Date", "demo": "Démonstration"}


def read_csv_bytes(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")  # BOM: Excel then reads UTF-8, not Windows-1252
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def test_csv_is_semicolon_separated_with_decimal_comma_and_iso_dates(frame):
    rows = read_csv_bytes(export.to_csv(frame, LABELS))
    assert rows[0] == ["Projet", "Montant (€)", "Emplois", "Date", "Démonstration"]
    assert rows[1] == ["Gigafactory ACC", "2500000000", "450", "2023-06-30", "non"]
    # Missing values stay empty cells, never 0; text with ; " and newlines survives quoting.
    assert rows[2] == ["Projet « H »; virgule, guillemet \"", "", "", "", "oui"]
    assert rows[3] == ["Multi\nligne", "12,345", "3", "2024-01-01", ""]
    assert b"\r\n" in export.to_csv(frame, LABELS)


def test_csv_quotes_every_field_holding_a_comma():
    """Decimal commas and text commas are quoted: a ','-separated import keeps the columns."""
    data = export.to_csv(pd.DataFrame({"taux": [10.5, 13.0], "nom": ["Béthune, centre", "Lens"], "n": [1, 2]}))
    text = data.decode("utf-8-sig")
    assert text.split("\r\n")[1:3] == ['"10,5";"Béthune, centre";1', '13;Lens;2']
    # Under ',' as well (a spreadsheet's default text import): see test_exports_calc.py.
    assert {len(r) for r in read_csv_bytes(data)} == {3}


def test_csv_cells_that_excel_would_run_as_formulas_are_escaped(frame):
    rows = read_csv_bytes(export.to_csv(frame, LABELS))
    first_cells = [r[0] for r in rows[4:]]
    assert first_cells == ["'" + v for v in DANGEROUS]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for c in r)


def test_csv_round_trip_with_pandas(frame):
    back = pd.read_csv(io.BytesIO(export.to_csv(frame, LABELS)), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"Projet": str})
    assert back["Montant (€)"].tolist()[:3] == [2.5e9, pytest.approx(float("nan"), nan_ok=True), 12.345]
    assert back["Emplois"].isna().tolist() == [False, True] + [False] * (len(frame) - 2)
    # Escaped cells come back with the apostrophe Excel hides; everything else is unchanged.
    assert back["Projet"].tolist() == [export.safe_cell(v) for v in frame["name"]]


def test_csv_header_is_escaped_too():
    rows = read_csv_bytes(export.to_csv(pd.DataFrame({"=cmd": [1]})))
    assert rows[0] == ["'=cmd"]


def test_xlsx_round_trip_keeps_values_and_types(frame):
    wb = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(frame, LABELS)))
    ws = wb.active
    assert ws.title == "Données"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Projet", "Montant (€)", "Emplois", "Date", "Démonstration")
    assert rows[1] == ("Gigafactory ACC", 2.5e9, 450, datetime(2023, 6, 30), "non")
    assert rows[2] == ("Projet « H »; virgule, guillemet \"", None, None, None, "oui")
    assert ws["D2"].number_format == "dd/mm/yyyy"
    back = pd.read_excel(io.BytesIO(export.to_xlsx(frame, LABELS)))
    assert back["Projet"].tolist()[:3] == frame["name"].tolist()[:3]
    assert back["Emplois"].isna().sum() == 1


def test_xlsx_never_stores_a_formula(frame):
    data = export.to_xlsx(frame, LABELS)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    dangerous = {c.value: c for c in cells if isinstance(c.value, str) and c.value in DANGEROUS}
    # Stored as typed, as text, with Excel's quote prefix so that editing keeps it text.
    assert set(dangerous) >= {"=1+2", "+33 6 12 34 56 78", "-2+3", "@SUM(A1:A2)"}
    assert all(c.data_type == "s" and c.quotePrefix for c in dangerous.values())
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_xlsx_drops_control_characters_that_excel_rejects():
    ws = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(pd.DataFrame({"t": ["a\x0bb\x00c"]})))).active
    assert ws["A2"].value == "abc"


def test_labels_select_and_order_columns(frame):
    rows = read_csv_bytes(export.to_csv(frame, {"jobs": "Emplois", "name": "Projet"}))
    assert rows[0] == ["Emplois", "Projet"]
    assert rows[1] == ["450", "Gigafactory ACC"]


def test_timestamps_keep_their_time():
    df = pd.DataFrame({"t": pd.to_datetime(["2023-06-30 14:00", "2023-06-30"], format="ISO8601")})
    rows = read_csv_bytes(export.to_csv(df))
    assert [r[0] for r in rows[1:]] == ["2023-06-30 14:00", "2023-06-30"]
