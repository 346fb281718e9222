"""How fresh each dataset is: the one computation behind every "données au …" and "en retard".

The last day a dataset describes comes from queries/dataset_dates.sql; its rhythm from the
dataset registry (`Dataset.late_from`, `expected`); the day it is judged on from the app clock
(core.clock.today). Panels, the data page's catalogue and the forum screen all call `freshness`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from ecotransition.core import fmt
from ecotransition.data import registry


def as_date(value) -> date | None:
    """A date from a query's value (date, timestamp, ISO text), None when missing."""
    if fmt.is_missing(value):
        return None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date()
    return value


def day_text(d: date) -> str:
    """'31 décembre 2024', '1er mai 2024'."""
    text = fmt.day(d)
    return "1er" + text[1:] if d.day == 1 and not text.startswith("1er") else text


@dataclass(frozen=True)
class Freshness:
    """The freshness of one dataset on one day."""
    dataset: str
    as_of: date | None          # the last day the data describe (None: no data)
    today: date
    late_from: date | None      # the first day the data are late (registry.Dataset.late_from)
    expected: str = ""          # "chaque semaine"

    @property
    def age_days(self) -> int | None:
        return None if self.as_of is None else (self.today - self.as_of).days

    @property
    def late(self) -> bool:
        return self.late_from is not None and self.today >= self.late_from

    @property
    def text(self) -> str:
        """'Données au 31 décembre 2024' ('Données : date n.d.' without data)."""
        return f"Données au {day_text(self.as_of)}" if self.as_of else "Données : date n.d."

    @property
    def warning(self) -> str | None:
        """'En retard : dernière donnée le 31 décembre 2024, attendue chaque semaine', or None."""
        if not self.late:
            return None
        return f"En retard : dernière donnée le {day_text(self.as_of)}, attendue {self.expected}".rstrip(", ")

    @property
    def status(self) -> str:
        """The catalogue's cell: the warning in lower case, else 'à jour (données au …)'."""
        if self.as_of is None:
            return "aucune donnée"
        if self.late:
            return "en retard" + self.warning[len("En retard"):]
        return f"à jour (données au {day_text(self.as_of)})"


def freshness(dataset: str, as_of, today: date) -> Freshness:
    """The freshness of `dataset` (a registry table) whose data end on `as_of`, on `today`.
    KeyError for a dataset the registry does not know."""
    entry = registry.get(dataset)
    day = as_date(as_of)
    return Freshness(dataset, day, today, None if day is None else entry.late_from(day), entry.expected)


def of_dates(dates: pd.DataFrame, today: date) -> dict[str, Freshness]:
    """Every dataset of a dataset_dates result -> its Freshness on `today`."""
    return {r.dataset: freshness(r.dataset, r.data_date, today) for r in dates.itertuples()}


@dataclass(frozen=True)
class Note:
    """What a panel says of one dataset's freshness: `late` and its French text (plain, the
    renderer escapes it): « Production solaire par commune : données au 31 décembre 2024 », or
    « Compteurs – mesures — En retard : dernière donnée le …, attendue chaque semaine »."""
    dataset: str
    label: str
    late: bool
    text: str

    @property
    def line(self) -> str:
        return f"{self.label} — {self.text}" if self.late else f"{self.label} : {self.text}"


def notes(known: dict[str, Freshness], datasets) -> list[Note]:
    """The notes of `datasets` (registry tables, each once, in order) from `known` (of_dates); a
    dataset without a rhythm or without a date row is left out (nothing can be late)."""
    out = []
    for name in dict.fromkeys(datasets):
        f = known.get(name)
        if f is None:
            continue
        text = f.warning if f.late else f.text[0].lower() + f.text[1:]
        out.append(Note(name, registry.label(name), f.late, text))
    return out


def months_old(as_of, today: date) -> int | None:
    """Whole months from `as_of` to `today` (31 December 2023 -> 30 November 2026: 35; None
    without a date). A month is whole on the same day of the month, or on the month's last day
    when it has no such day: 31 January -> 29 February 2024 is 1 month, 31 December 2023 ->
    30 November 2026 was 34, the screen's age limit (`anciennete`) a day late (t12i finding 10)."""
    d = as_date(as_of)
    if d is None:
        return None
    months = (today.year - d.year) * 12 + today.month - d.month
    same_day = min(d.day, calendar.monthrange(today.year, today.month)[1])
    return months - 1 if today.day < same_day else months
