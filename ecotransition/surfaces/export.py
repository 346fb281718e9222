"""Exports of displayed tables: CSV for French Excel and XLSX, safe against formula injection."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import numpy as np
import pandas as pd

# Excel (and LibreOffice) evaluate a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that would be run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _is_bool(col: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(col):
        return True
    values = col.dropna()
    return col.dtype == object and len(values) > 0 and values.map(lambda v: isinstance(v, (bool, np.bool_))).all()


def _prepare(df: pd.DataFrame, labels: dict[str, str] | None, escape: bool = True) -> pd.DataFrame:
    out = df.copy()
    if labels:
        out = out[[c for c in labels if c in out.columns]].rename(columns=labels)
    for col in out.columns:
        if _is_bool(out[col]):
            # French Excel shows Python's True/False as text: say it in French.
            out[col] = out[col].map(lambda v: None if pd.isna(v) else ("oui" if v else "non"))
        elif escape and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(str(c)) if escape else str(c) for c in out.columns]
    return out


def _missing(value) -> bool:
    return value is None or value is pd.NaT or (not isinstance(value, (str, date)) and pd.api.types.is_scalar(value) and pd.isna(value))


# Quoted as well as the usual ';', '"' and line breaks: ',' (a decimal comma or text), so that a
# spreadsheet's text import with its default separators (',' ';' Tab) keeps every row's columns.
_QUOTE = re.compile(r'[;,\t"\r\n]')


def _csv_cell(value) -> str:
    """One CSV field: numbers with a decimal comma and no thousands separator, dates in ISO 8601
    (read as dates whatever the spreadsheet's locale), missing as an empty field (never 0)."""
    if _missing(value):
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (datetime, pd.Timestamp)):
        text = value.strftime("%Y-%m-%d %H:%M" if (value.hour or value.minute) else "%Y-%m-%d")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, (int, np.integer)):
        text = str(int(value))
    elif isinstance(value, (float, np.floating)):
        text = np.format_float_positional(float(value), trim="-").replace(".", ",")
    else:
        text = str(value)
    return '"' + text.replace('"', '""') + '"' if _QUOTE.search(text) else text


def to_csv(df: pd.DataFrame, labels: dict[str, str] | None = None) -> bytes:
    """';'-separated, UTF-8 with BOM: opens as-is in French Excel and in LibreOffice's text import.

    Numbers are numbers with a decimal comma (10,5), quoted like every field holding ',' so that
    no import splits them; dates are ISO (2023-06-30, 2023-06-30 14:00). Missing values stay
    empty cells (never 0). Text a spreadsheet would run as a formula gets a leading apostrophe.
    """
    out = _prepare(df, labels)
    lines = [";".join(_csv_cell(c) for c in out.columns)]
    lines += [";".join(_csv_cell(v) for v in row) for row in out.itertuples(index=False, name=None)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def to_xlsx(df: pd.DataFrame, labels: dict[str, str] | None = None, sheet: str = "Données") -> bytes:
    """An XLSX workbook with one sheet; text cells are stored as text, never as formulas.

    Unlike the CSV, text keeps its exact value: a cell starting with "=" is written as a
    string cell with Excel's quote prefix (the apostrophe a user types), so it displays as
    typed, stays text when edited, and reads back unchanged.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    out = _prepare(df, labels, escape=False)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in out.columns])
    for row in out.itertuples(index=False):
        cells = []
        for v in row:
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                cells.append(None)
            elif isinstance(v, pd.Timestamp):
                cells.append(v.tz_localize(None).to_pydatetime() if v.tzinfo else v.to_pydatetime())
            elif isinstance(v, str):
                # openpyxl refuses control characters (imported files can hold them).
                cells.append(ILLEGAL_CHARACTERS_RE.sub("", v))
            elif hasattr(v, "item"):
                cells.append(v.item())
            else:
                cells.append(v)
        ws.append(cells)
    for cell in ws[1]:
        cell.font = cell.font.copy(bold=True)
    # openpyxl turns any string starting with "=" into a formula: force text type.
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                if cell.value.startswith(_FORMULA_START):
                    cell.quotePrefix = True
                cell.data_type = "s"
            elif isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm" if (cell.value.hour or cell.value.minute) else "dd/mm/yyyy"
            elif isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
    for i, col in enumerate(out.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, len(str(col)) + 2))
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
