"""French number, money, percentage and date formats (babel), with missing shown as missing.

babel's French locale groups thousands with U+202F (narrow no-break space) and puts
U+00A0 before % and €: compare with those characters, not plain spaces.
"""

from __future__ import annotations

import decimal
import math
from contextlib import contextmanager
from datetime import date, datetime

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"
MISSING = "n.d."  # non disponible: never show a missing value as 0
NBSP = "\u00a0"
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
MONTHS_SHORT = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


@contextmanager
def _half_up():
    """babel rounds with the decimal context (half-even by default: 2,5 -> 2, 2,45 Md -> 2,4 Md);
    readers expect the school rule, half away from zero."""
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        yield


def _round(value: float, decimals: int) -> float:
    return float(decimal.Decimal(str(value)).quantize(decimal.Decimal(1).scaleb(-decimals),
                                                      rounding=decimal.ROUND_HALF_UP))


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
    with _half_up():
        return format_decimal(value, format=pattern, locale=LOCALE)


def compact(value, unit: str = "") -> str:
    """2_500_000_000 -> '2,5 Md'; with unit '€' -> '2,5 Md€'; small values stay whole.

    One decimal below 100 of the unit ('12,3 k'), none above ('360 k'); a value that rounds
    up to 1 000 of a unit moves to the next one ('1 M', not '1 000 k').
    """
    if is_missing(value):
        return MISSING
    v = float(value)
    scales = ((1e3, "k", 1e4), (1e6, "M", 1e6), (1e9, "Md", 1e9))
    chosen = None
    for i, (size, suffix, threshold) in enumerate(scales):
        if abs(v) >= threshold:
            chosen = i
    if chosen is None:
        return number(v) + (NBSP + unit if unit else "")
    while True:
        size, suffix, _ = scales[chosen]
        scaled = _round(v / size, 1)
        if scaled == int(scaled) or abs(scaled) >= 100:
            scaled, decimals = _round(v / size, 0), 0
        else:
            decimals = 1
        if abs(scaled) >= 1000 and chosen + 1 < len(scales):
            chosen += 1
            continue
        break
    text = number(scaled, decimals)
    return f"{text}{NBSP}{suffix}{unit}"


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
    with _half_up():
        return format_percent(value, format=pattern, locale=LOCALE).replace(" ", NBSP)


def signed_percent(value, decimals: int = 1) -> str:
    """A change: '+12,4 %' or '-3,0 %'.

    The minus is ASCII '-' on purpose: st.metric decides the arrow and colour of a delta
    string by `startswith("-")`, so U+2212 would show a fall as a green rise. A change
    that rounds to zero is shown without a sign ('0,0 %').
    """
    if is_missing(value):
        return MISSING
    text = percent(abs(value), decimals)
    if _round(abs(float(value)) * 100, decimals) == 0:
        return text
    return ("+" if value > 0 else "-") + text


def day(value) -> str:
    """date(2023, 6, 30) -> '30 juin 2023'."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, (pd.Timestamp, datetime)):
        value = value.date()
    text = format_date(value, format="d MMMM y", locale=LOCALE)
    # French writes the first day of a month as an ordinal: "1er juin 2023".
    return "1er" + text[1:] if value.day == 1 else text


def change(current, previous) -> float | None:
    """Relative change, or None when it cannot be computed (missing or zero base)."""
    if is_missing(current) or is_missing(previous) or previous == 0:
        return None
    return (float(current) - float(previous)) / abs(float(previous))


def with_unit(value, unit: str | None, decimals: int | None = None) -> str:
    """A number followed by its unit, the way the indicators table stores them.

    decimals=None: whole values without decimals, others with one ('12,4 %', '420 km').
    """
    if is_missing(value):
        return MISSING
    if decimals is None:
        decimals = 0 if float(value).is_integer() or abs(float(value)) >= 1000 else 1
    if unit == "€":
        return euros(value)
    if unit == "%":
        return percent(float(value) / 100, decimals)
    text = number(value, decimals)
    return f"{text}{NBSP}{unit}" if unit else text


def is_finite(value) -> bool:
    return not is_missing(value) and math.isfinite(float(value))
