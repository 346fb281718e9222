"""The wall clock of the database: every timestamp it stores is Europe/Paris local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def now() -> datetime:
    """Europe/Paris wall-clock time to the second, without tzinfo, as the database stores it."""
    return datetime.now(PARIS).replace(tzinfo=None, microsecond=0)
