"""The wall clock of the database: every timestamp it stores is Europe/Paris local time."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def now() -> datetime:
    """Europe/Paris wall-clock time to the second, without tzinfo, as the database stores it."""
    return datetime.now(PARIS).replace(tzinfo=None, microsecond=0)


def today() -> date:
    """The app's day, against which data freshness is judged: ECOTRANSITION_TODAY (ISO date) when
    set, to show or test the dashboard as of a given day, else today in Europe/Paris.
    ValueError in French when the variable is not a date."""
    fixed = os.environ.get("ECOTRANSITION_TODAY", "").strip()
    if fixed:
        try:
            return date.fromisoformat(fixed)
        except ValueError:
            raise ValueError(f"ECOTRANSITION_TODAY : « {fixed} » n'est pas une date AAAA-MM-JJ.") from None
    return now().date()
