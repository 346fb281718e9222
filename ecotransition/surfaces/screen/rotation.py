"""Which slide is on screen when: URL settings, clock-derived slots (never a counter: a reconnect
carries on with the show), and the last good slide of each kind (LastGood).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Hashable, Mapping

from ecotransition.surfaces.screen.model import SLIDES

log = logging.getLogger(__name__)


DEFAULT_PERIOD = 15.0


MIN_PERIOD, MAX_PERIOD = 1.0, 3600.0


THEMES = ("sombre", "clair")


# A slide whose data describe a day more than this many months ago is not shown (URL `anciennete`).
DEFAULT_MAX_AGE_MONTHS = 36
MIN_MAX_AGE, MAX_MAX_AGE = 1, 240


def clock() -> float:
    """Seconds since the epoch (a function so that tests can move time)."""
    return time.time()


@dataclass(frozen=True)
class Settings:
    period: float = DEFAULT_PERIOD       # seconds per slide
    slides: tuple[str, ...] = tuple(SLIDES)
    theme: str = "sombre"
    max_age_months: int = DEFAULT_MAX_AGE_MONTHS   # older slides are left out (slides.fresh_settings)


def _first(value) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return None if value is None else str(value)


def settings(params: Mapping[str, object]) -> Settings:
    """Settings from the URL (`periode`, `diapos`, `theme`, `anciennete`: the age in months
    beyond which a slide's data are too old to show, default 36, 1 to 240).

    Nobody can fix a typo on the screen, so a wrong value falls back to its default
    rather than stopping the show: unknown slide names are skipped, a period outside
    1 s–1 h is clamped."""
    period = DEFAULT_PERIOD
    raw = _first(params.get("periode"))
    if raw:
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            period = min(max(value, MIN_PERIOD), MAX_PERIOD)
    slides = tuple(SLIDES)
    raw = _first(params.get("diapos"))
    if raw:
        chosen = tuple(s for s in (part.strip().lower() for part in raw.split(",")) if s in SLIDES)
        slides = chosen or slides
    theme = (_first(params.get("theme")) or "").strip().lower()
    max_age = DEFAULT_MAX_AGE_MONTHS
    raw = _first(params.get("anciennete"))
    if raw and raw.strip().isdigit():
        max_age = min(max(int(raw.strip()), MIN_MAX_AGE), MAX_MAX_AGE)
    return Settings(period=period, slides=slides, theme=theme if theme in THEMES else "sombre",
                    max_age_months=max_age)


def _offset(period: float, anchor: float | None) -> float:
    # The browser's rotation timer starts with the page's full run (`anchor`) and ticks
    # every period from there. Shifting the slot boundaries so that the anchor sits in the
    # middle of a slot puts every tick half a period away from any boundary: network or
    # timer jitter can then neither show a slide twice nor skip one.
    return 0.0 if anchor is None else (anchor % period) - period / 2


def slot_at(now: float, period: float, anchor: float | None = None) -> int:
    """The number of the period-long slot of the clock that contains `now`."""
    return math.floor((now - _offset(period, anchor)) / period)


def slide_at(now: float, config: Settings, anchor: float | None = None) -> tuple[int, str]:
    """(position in the show, slide name) for this instant."""
    position = slot_at(now, config.period, anchor) % len(config.slides)
    return position, config.slides[position]


def elapsed(now: float, period: float, anchor: float | None = None) -> float:
    """Seconds since the browser's timer last ticked (since the current slide appeared)."""
    start = anchor if anchor is not None else 0.0
    return (now - start) % period


class LastGood:
    """The last value built without error, per key.

    `get` rebuilds when the version changes (new data, new day); if the version or the
    build fails it returns what it built last time, so a screen keeps its figures through
    a database swap or a locked file. One entry per key: memory does not grow with time.
    """

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[Hashable, object]] = {}
        self._lock = threading.Lock()
        self.failures = 0

    def get(self, key: Hashable, version: Callable[[], Hashable], build: Callable[[], object],
            fallback: Callable[[], object]):
        with self._lock:
            entry = self._entries.get(key)
        try:
            current = version()
            if entry is not None and entry[0] == current:
                return entry[1]
            value = build()
        except Exception:  # noqa: BLE001 - any failure: keep the show going
            self.failures += 1
            log.warning("screen: %s could not be rebuilt, showing the last good one", key, exc_info=True)
            return entry[1] if entry is not None else fallback()
        with self._lock:
            self._entries[key] = (current, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)


CACHE = LastGood()
