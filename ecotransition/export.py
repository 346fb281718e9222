"""Exports of displayed tables: CSV for French Excel and XLSX, safe against formula injection."""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd

# Excel (and LibreOffice) evaluate a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that would be run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _prepare(df: pd.DataFrame, labels: dict[str, str] | None) -> pd.DataFrame:
    out = df.copy()
    if labels:
        out = out[[c for c in labels if c in out.columns]].rename(columns=labels)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def _french_date(value):
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour or value.minute) else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value


def to_csv(df: pd.DataFrame, labels: dict[str, str] | None = None) -> bytes:
    """';'-separated, decimal comma, dates dd/mm/yyyy, UTF-8 with BOM: opens as-is in French Excel.

    Missing values stay empty cells (never 0).
    """
    out = _prepare(df, labels)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]) or out[col].map(
            lambda v: isinstance(v, (date, datetime))
        ).any():
            out[col] = out[col].map(_french_date)
    text = out.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def to_xlsx(df: pd.DataFrame, labels: dict[str, str] | None = None, sheet: str = "Données") -> bytes:
    """An XLSX workbook with one sheet; text cells are stored as text, never as formulas."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    out = _prepare(df, labels)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(out.columns))
    for row in out.itertuples(index=False):
        cells = []
        for v in row:
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                cells.append(None)
            elif isinstance(v, pd.Timestamp):
                cells.append(v.to_pydatetime())
            elif hasattr(v, "item"):
                cells.append(v.item())
            else:
                cells.append(v)
        ws.append(cells)
    for cell in ws[1]:
        cell.font = cell.font.copy(bold=True)
    # openpyxl turns any string starting with "=" into a formula: force text type.
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for i, col in enumerate(out.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, len(str(col)) + 2))
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
