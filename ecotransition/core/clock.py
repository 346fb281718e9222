"""The wall clock of the database: every timestamp it stores is Europe/Paris local time."""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ecotransition.core import fmt

PARIS = ZoneInfo("Europe/Paris")
SETTING = "ECOTRANSITION_TODAY"


def paris_time(timestamp: float) -> datetime:
    """The Europe/Paris wall-clock time of a Unix timestamp (seconds), without tzinfo: a moment logged
    by the server (its own zone may be UTC) shown as the import history shows its own."""
    return datetime.fromtimestamp(timestamp, PARIS).replace(tzinfo=None)


def now() -> datetime:
    """Europe/Paris wall-clock time to the second, without tzinfo, as the database stores it."""
    return datetime.now(PARIS).replace(tzinfo=None, microsecond=0)


def read_today(env=None) -> tuple[date, str | None]:
    """The app's day and a French warning when the setting was refused: ECOTRANSITION_TODAY (an
    ISO date AAAA-MM-JJ) when set, to show or test the dashboard as of a given day, else today in
    Europe/Paris. A value that is not such a date (« 15/01/2025 », « demain ») is not used: the
    real day is, and the warning names the setting, its value and the day used, as the refused
    ECOTRANSITION_FLAG_* settings do (a mistyped setting must not stop every page nor the screen)."""
    env = os.environ if env is None else env
    fixed = str(env.get(SETTING, "") or "").strip()
    if not fixed:
        return now().date(), None
    try:
        return date.fromisoformat(fixed), None
    except ValueError:
        real = now().date()
        return real, (f"{SETTING} = « {fixed} » est refusé : il faut une date AAAA-MM-JJ "
                      f"(par exemple {real.isoformat()}). Le jour réel ({fmt.day(real)}) est utilisé.")


def today() -> date:
    """The app's day, against which data freshness is judged (read_today; never raises: a
    refused ECOTRANSITION_TODAY gives the real day, logged, and pages show today_warning())."""
    day, problem = read_today()
    if problem and problem not in _LOGGED:   # once per value: today() runs many times a page
        _LOGGED.add(problem)
        logging.getLogger("ecotransition").warning("%s", problem)
    return day


_LOGGED: set[str] = set()


def today_warning() -> str | None:
    """The French warning of a refused ECOTRANSITION_TODAY, or None (see read_today)."""
    return read_today()[1]
