"""French number, money, percentage and date formats (babel), with missing shown as missing.

babel's French locale groups thousands with U+202F (narrow no-break space) and puts
U+00A0 before % and €: compare with those characters, not plain spaces.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"
MISSING = "n.d."  # non disponible: never show a missing value as 0
NBSP = "\u00a0"


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value, decimals: int = 0) -> str:
    """650000 -> '650 000'; 12.345 with decimals=1 -> '12,3'."""
    if is_missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def compact(value, unit: str = "") -> str:
    """2_500_000_000 -> '2,5 Md'; with unit '€' -> '2,5 Md€'; small values stay whole."""
    if is_missing(value):
        return MISSING
    v = float(value)
    for size, suffix in ((1e9, " Md"), (1e6, " M"), (1e3, " k")):
        if abs(v) >= size * (10 if size == 1e3 else 1):
            scaled = v / size
            decimals = 0 if abs(scaled) >= 100 or scaled == int(scaled) else 1
            text = format_decimal(scaled, format="#,##0" + (".0" if decimals else ""), locale=LOCALE)
            return f"{text}{suffix.replace(' ', NBSP)}{unit}"
    return number(v) + (NBSP + unit if unit else "")


def euros(value) -> str:
    """Money in the compact form officials read: '2,5 Md€', '360 k€', '950 €'."""
    if is_missing(value):
        return MISSING
    if abs(float(value)) < 10_000:
        return number(value) + NBSP + "€"
    return compact(value, "€")


def percent(value, decimals: int = 1) -> str:
    """0.124 -> '12,4 %'."""
    if is_missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    return format_percent(value, format=pattern, locale=LOCALE).replace(" ", NBSP)


def signed_percent(value, decimals: int = 1) -> str:
    """A change: '+12,4 %' or '−3,0 %'."""
    if is_missing(value):
        return MISSING
    text = percent(abs(value), decimals)
    return ("+" if value >= 0 else "−") + text


def day(value) -> str:
    """date(2023, 6, 30) -> '30 juin 2023'."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, (pd.Timestamp, datetime)):
        value = value.date()
    return format_date(value, format="d MMMM y", locale=LOCALE)


def change(current, previous) -> float | None:
    """Relative change, or None when it cannot be computed (missing or zero base)."""
    if is_missing(current) or is_missing(previous) or previous == 0:
        return None
    return (float(current) - float(previous)) / abs(float(previous))


def with_unit(value, unit: str | None, decimals: int = 0) -> str:
    """A number followed by its unit, the way the indicators table stores them."""
    if is_missing(value):
        return MISSING
    if unit == "€":
        return euros(value)
    if unit == "%":
        return percent(float(value) / 100, decimals)
    text = number(value, decimals if not float(value).is_integer() else 0)
    return f"{text}{NBSP}{unit}" if unit else text


def is_finite(value) -> bool:
    return not is_missing(value) and math.isfinite(float(value))
