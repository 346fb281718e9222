"""The metric layer: every published figure defined once, with its coverage said out loud.

A metric is declared by a `Metric`: its French label and unit, its format, whether it is a
ratio, its year rule, what an absent commune means, which way is good and what it is. Its
per-commune values come from one named query per theme, `metrics_*` (rows: code, metric,
year, num, den, items, unknown, hours, is_demo, source, complete). `reading()` turns them into the
figure of any area (a commune, an agglomeration, the Pôle) for a year, with one rule:

- a sum adds up the communes whose value is known; an absent commune is "not known"
  (production, potential, population) or "none" (events, projects: `absent_is_zero`);
- a ratio is sum(num) ÷ sum(den) over the communes where **both** are known, so the
  numerator and the denominator always cover the same communes;
- the `Reading` says how many communes of the area it covers and names the others with
  the reason ("149 communes sur 150 ; hors Lens : potentiel non renseigné").

Every surface (overview cards and sentences, thematic pages, the map and its commune
profile, the forum screen, the exports) takes its figure from here, so a figure reads the
same everywhere, gaps included. Nothing here touches Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ecotransition.core import fmt

# ------------------------------------------------------------------ formats of values


def _int(v) -> str:
    return fmt.number(v)


def _one_decimal(v) -> str:
    return fmt.number(v, 1)


def _percent(v) -> str:
    return fmt.percent(v, 2)


def energy(mwh) -> str:
    """A production or potential in MWh, in GWh from 10 000 MWh up ('91,6 GWh', '3 000 GWh')."""
    if fmt.is_missing(mwh):
        return fmt.MISSING
    gwh = float(mwh) / 1000
    if abs(gwh) >= 10:
        return f"{fmt.number(gwh, 1 if abs(gwh) < 1000 else 0)}{fmt.NBSP}GWh"
    return f"{fmt.number(mwh)}{fmt.NBSP}MWh"


def power(kw) -> str:
    """An installed power in kWc, in MWc from 10 000 kWc up."""
    if fmt.is_missing(kw):
        return fmt.MISSING
    if abs(float(kw)) >= 10_000:
        return f"{fmt.number(float(kw) / 1000, 1)}{fmt.NBSP}MWc"
    return f"{fmt.number(kw)}{fmt.NBSP}kWc"


def points(value, decimals: int = 2) -> str:
    """A change of a ratio in percentage points: 0.0061 -> '+0,61 pt' (ASCII '-' for st.metric)."""
    if fmt.is_missing(value):
        return fmt.MISSING
    v = fmt._round(float(value) * 100, decimals)
    sign = "+" if v > 0 else "-" if v < 0 else ""
    return f"{sign}{fmt.number(abs(v), decimals)}{fmt.NBSP}pt"


# ------------------------------------------------------------------ definitions

LATEST = "latest"      # default year: the latest year with data (yearly series: Enedis, projects)
COMPLETE = "complete"  # default year: the latest year measured up to 31 December (counters)


@dataclass(frozen=True)
class Metric:
    key: str
    short: str                       # the map selector's option (also its value in the URL)
    label: str                       # card title, legend title, profile rows
    unit: str                        # shown after labels and in export headers
    format: Callable[[object], str]  # French format of one value
    ratio: bool = False              # num / den over the communes where both are known
    yearly: bool = True
    absent_is_zero: bool = False     # no row = none (events, projects), not "not known"
    cumulative_default: bool = False  # with no year chosen: every year together
    year_rule: str = LATEST
    good_direction: str | None = "up"
    definition: str = ""             # what the figure is (card help, map legend)
    note: str = ""                   # what to keep in mind, under the map's legend
    num_missing: str = "non renseigné"  # coverage reason when the value (numerator) is unknown
    den_missing: str = ""               # ... when the denominator is unknown
    decimals: int = 0                # of the plain number, in tables and exports
    unit_in_value: bool = False      # the format writes the unit itself ('12,3 GWh'): no unit after labels
    per_counter: bool = False        # counted at counters, not communes: coverage is counters and hours,
                                     # and the change is compared counter by counter (themes.parks)
    datasets: tuple[str, ...] = ()   # registry tables with an update rhythm the figure is read from:
                                     # their « données au … » / « en retard » is said beside it

    @property
    def export_label(self) -> str:
        """The header of a column of plain numbers (see `plain`): the label with its unit,
        unless the label says it already."""
        if self.unit == "%":
            return f"{self.label} (%)"
        if not self.unit or self.unit.lower() in self.label.lower() or (
                "habitant" in self.unit and "habitant" in self.label.lower()):
            return self.label
        return f"{self.label} ({self.unit})"

    def plain(self, value) -> float | None:
        """`value` as tables and exports write it: a number in `unit` (a share in percent,
        13.12 for 13,12 %), rounded to `decimals` as on screen; None when missing (never 0)."""
        if fmt.is_missing(value):
            return None
        return round(float(value) * self._plain_scale, self.decimals)

    def format_plain(self, plain) -> str:
        """The French text of a `plain` number ('n.d.' when missing)."""
        return self.format(None if fmt.is_missing(plain) else plain / self._plain_scale)

    @property
    def _plain_scale(self) -> int:
        return 100 if self.unit == "%" else 1   # shares are written in percent


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("population", "Population", "Population municipale", "habitants", _int, yearly=False,
           good_direction=None, definition="Population municipale INSEE (millésime de la source).",
           num_missing="population non renseignée"),
    Metric("pv_sites", "Sites PV", "Sites photovoltaïques", "sites", _int,
           definition="Installations photovoltaïques raccordées au réseau, au 31 décembre.",
           num_missing="production non renseignée"),
    Metric("pv_power_kw", "Puissance PV", "Puissance installée", "kWc", power, decimals=1,
           unit_in_value=True,
           definition="Puissance crête des installations photovoltaïques raccordées.",
           num_missing="production non renseignée"),
    Metric("pv_energy_mwh", "Production PV", "Production photovoltaïque", "MWh", energy, decimals=1,
           unit_in_value=True,
           definition="Électricité produite dans l'année par les installations photovoltaïques.",
           num_missing="production non renseignée"),
    Metric("solar_potential_mwh", "Potentiel des toitures", "Potentiel des toitures", "MWh", energy,
           yearly=False, unit_in_value=True,
           definition="Production annuelle possible si toutes les toitures favorables étaient équipées "
                      "(cadastre solaire).",
           num_missing="potentiel non renseigné"),
    Metric("solar_uptake", "Taux de valorisation solaire", "Taux de valorisation", "%", _percent,
           ratio=True, decimals=2,
           definition="Production photovoltaïque de l'année ÷ potentiel de production annuel des toitures, "
                      "sur les communes où les deux sont connus.",
           num_missing="production non renseignée", den_missing="potentiel non renseigné"),
    Metric("pv_sites_per_1000", "Sites PV pour 1 000 habitants", "Sites photovoltaïques pour 1 000 habitants",
           "sites pour 1 000 habitants", _one_decimal, ratio=True, decimals=1,
           definition="Sites photovoltaïques ÷ population municipale × 1 000.",
           num_missing="production non renseignée", den_missing="population non renseignée"),
    Metric("pv_kwh_per_inhabitant", "Production PV par habitant", "Production photovoltaïque par habitant",
           "kWh par habitant", _int, ratio=True,
           definition="Production photovoltaïque de l'année ÷ population municipale.",
           num_missing="production non renseignée", den_missing="population non renseignée"),
    Metric("pv_w_per_inhabitant", "Puissance PV par habitant", "Puissance installée par habitant",
           "W par habitant", _int, ratio=True,
           definition="Puissance installée ÷ population municipale.",
           num_missing="production non renseignée", den_missing="population non renseignée"),
    Metric("visits", "Passages comptés", "Passages comptés (compteurs situés dans la commune)", "passages", _int,
           year_rule=COMPLETE, per_counter=True,
           definition="Passages de piétons et de cyclistes aux compteurs situés dans la sélection ; "
                      "les heures non mesurées ne sont pas comptées.",
           note="Seules les communes équipées d'un compteur ont une valeur ; heures manquantes exclues.",
           num_missing="aucun compteur"),
    Metric("events", "Événements", "Événements", "événements", _int, absent_is_zero=True,
           cumulative_default=True, good_direction=None, definition="Événements tenus dans la commune."),
    Metric("investment_eur", "Investissements (montant)", "Montant des investissements annoncés", "€",
           fmt.euros, absent_is_zero=True, cumulative_default=True,
           definition="Somme des montants publiés des projets recensés.", num_missing="montant non publié",
           note="Montants publiés seulement : un projet sans montant connu n'est pas compté."),
    Metric("jobs", "Emplois annoncés", "Emplois annoncés", "emplois", _int, absent_is_zero=True,
           cumulative_default=True, definition="Somme des emplois annoncés par les projets recensés.",
           num_missing="effectif non publié",
           note="Emplois publiés seulement : un projet sans effectif connu n'est pas compté."),
    Metric("investment_eur_per_inhabitant", "Investissements par habitant", "Investissements recensés",
           "€ par habitant", _int, ratio=True, yearly=False,
           definition="Montants publiés des projets recensés depuis 2020 ÷ population municipale.",
           num_missing="montant non publié", den_missing="population non renseignée"),
    Metric("jobs_per_1000", "Emplois pour 1 000 habitants", "Emplois annoncés",
           "emplois pour 1 000 habitants", _one_decimal, ratio=True, yearly=False, decimals=1,
           definition="Emplois annoncés par les projets recensés depuis 2020 ÷ population municipale × 1 000.",
           num_missing="effectif non publié", den_missing="population non renseignée"),
)}

# Where each figure comes from, for its freshness (data.freshness): Enedis production for the
# photovoltaic figures (the potential, the population, events and projects have no rhythm), the
# counters' measures for the passages.
_DATASETS = {**dict.fromkeys(("pv_sites", "pv_power_kw", "pv_energy_mwh", "solar_uptake", "pv_sites_per_1000",
                              "pv_kwh_per_inhabitant", "pv_w_per_inhabitant"), ("solar_production",)),
             "visits": ("counter_measures",)}
METRICS = {k: replace(m, datasets=_DATASETS.get(k, ())) for k, m in METRICS.items()}

# The per-commune rows of the metrics come from one query per theme (queries/metrics_*.sql),
# each reading only its own tables: an events import then leaves the solar figures' caches alone.
# Functions below take `values` as one of these results or a tuple of several.
QUERIES = ("metrics_territory", "metrics_solar", "metrics_visits", "metrics_events", "metrics_investments")


def rows_of(values, key: str) -> pd.DataFrame:
    """The rows of metric `key` in `values` (a metrics_* result, or a tuple of them)."""
    frames = [values] if isinstance(values, pd.DataFrame) else list(values)
    for frame in frames:
        rows = frame.loc[frame["metric"] == key]
        if len(rows):
            return rows
    return frames[0].iloc[0:0] if frames else pd.DataFrame(columns=["code", "metric", "year", "num", "den"])


# The choropleth's choices on /carte, in the selector's order.
MAP_METRICS = ("population", "pv_sites_per_1000", "pv_energy_mwh", "solar_uptake", "visits", "events",
               "investment_eur", "jobs")


# ------------------------------------------------------------------ years


@dataclass(frozen=True)
class Period:
    year: int | None     # None: every year together (or no yearly series)
    label: str           # "2024", "2020–2024 (cumul)", "millésime de la source"
    notice: str | None = None  # shown when the chosen year had no data


def years(values: pd.DataFrame, key: str, complete_only: bool = False) -> list[int]:
    """The years with data for the metric (over the whole territory), oldest first."""
    rows = rows_of(values, key)
    if complete_only:
        rows = rows.loc[rows["complete"].fillna(False).astype(bool)]
    return sorted({int(y) for y in rows["year"].dropna()})


def default_year(values: pd.DataFrame, key: str) -> int | None:
    """The metric's year when none is asked: the latest year with data, or for counters the
    latest year measured up to 31 December (a year in progress would read as a fall).

    The rule looks at the whole territory, so every page and every filter shows the same
    default year."""
    m = METRICS[key]
    if not m.yearly:
        return None
    ys = years(values, key, complete_only=m.year_rule == COMPLETE)
    return ys[-1] if ys else None


def resolve_year(values: pd.DataFrame, key: str, requested) -> int | None:
    """The year asked for (even without data: the figure then reads n.d.), else the default."""
    if requested is not None and not fmt.is_missing(requested):
        return int(requested)
    return default_year(values, key)


def period(values: pd.DataFrame, key: str, requested) -> Period:
    """Which year a map or a profile shows for the metric, given the sidebar's year (or None)."""
    m = METRICS[key]
    if not m.yearly:
        return Period(None, "millésime de la source")
    ys = years(values, key)
    if not ys:
        return Period(None, "aucune année", None)
    if requested is not None and int(requested) in ys:
        return Period(int(requested), str(int(requested)))
    notice = None
    if requested is not None:
        notice = (f"Pas de données « {m.label} » pour {int(requested)} : "
                  + ("toutes les années sont affichées." if m.cumulative_default
                     else f"la carte montre {default_year(values, key)}."))
    if m.cumulative_default:
        label = f"{ys[0]}–{ys[-1]}" if ys[0] != ys[-1] else str(ys[0])
        undated = rows_of(values, key)["year"].isna().any()
        label += " (cumul, y compris sans année)" if undated else " (cumul)"
        return Period(None, label, notice)
    y = default_year(values, key)
    return Period(y, str(y), notice)


# ------------------------------------------------------------------ readings


def join_sources(sources: Iterable) -> str:
    """Distinct sources in order of appearance, each ' ; '-separated list split first."""
    parts = dict.fromkeys(
        p for s in sources if isinstance(s, str) and s for p in s.split(" ; ")
    )
    return " ; ".join(parts)


@dataclass(frozen=True)
class Reading:
    """One figure of one area and year, with what it covers."""

    metric: Metric
    value: float | None
    year: int | None
    covered: int                    # communes whose data enters the figure
    total: int                      # communes of the area
    missing: tuple[str, ...] = ()   # "Lens : potentiel non renseigné", for the communes left out
    source: str = ""
    demo: bool = False
    items: int = 0                  # counters, events or projects behind the figure
    unknown: int = 0                # items whose figure is not published / hours not measured
    hours: int = 0                  # counters: hours expected
    codes: tuple[str, ...] = ()     # INSEE codes of the covered communes

    @property
    def text(self) -> str:
        return self.metric.format(self.value)

    @property
    def partial(self) -> bool:
        return self.covered < self.total

    @property
    def coverage(self) -> str | None:
        """'149 communes sur 150 ; hors Lens : potentiel non renseigné', or None when whole."""
        m = self.metric
        if m.per_counter:
            if not self.items:
                return "aucun compteur dans la sélection"
            text = f"{fmt.number(self.items)} compteur{'s' if self.items > 1 else ''}"
            if self.unknown and self.hours:
                text += f", {fmt.percent(self.unknown / self.hours, 1)} des heures non mesurées (non comptées)"
            return text
        if m.absent_is_zero or (m.ratio and not m.yearly and not self.partial):
            if self.unknown:
                return f"{fmt.number(self.unknown)} projet(s) non compté(s) : {m.num_missing}"
            return None
        if not self.partial:
            return None
        text = f"{fmt.number(self.covered)} commune{'s' if self.covered > 1 else ''} sur {fmt.number(self.total)}"
        if self.missing:
            shown = self.missing[:3]
            more = len(self.missing) - len(shown)
            text += " ; hors " + ", ".join(shown) + (f" et {more} autre{'s' if more > 1 else ''}" if more else "")
        return text


def _area_rows(values, key: str, year: int | None, cumulative: bool) -> pd.DataFrame:
    rows = rows_of(values, key)
    if METRICS[key].yearly and not cumulative:
        rows = rows.loc[rows["year"] == year]
    return rows


def reading(values: pd.DataFrame, communes: pd.DataFrame, key: str, year: int | None,
            codes: Iterable[str] | None = None, cumulative: bool = False) -> Reading:
    """The metric over the communes `codes` (None: every commune of `communes`) for `year`.

    `values`: metrics_* rows (one result or a tuple); `communes`: code and name of every commune
    (communes_list or communes_geo). `cumulative`: every year together (events, projects with no year chosen).
    Missing stays missing: a sum with no known commune is None, never 0 (except for
    `absent_is_zero` metrics, where no row means none)."""
    m = METRICS[key]
    names = dict(zip(communes["code"], communes["name"]))
    area = list(names) if codes is None else [c for c in codes if c in names]
    rows = _area_rows(values, key, year, cumulative)
    rows = rows.loc[rows["code"].isin(area)]
    if m.yearly and year is None and not cumulative:
        rows = rows.iloc[0:0]
    if m.ratio:
        known = rows.dropna(subset=["num", "den"])
        known = known.loc[known["den"] > 0]
    else:
        known = rows.dropna(subset=["num"])
    covered_codes = set(known["code"])
    if m.absent_is_zero:
        covered_codes |= set(area) - set(rows["code"])
    missing = []
    if not m.absent_is_zero and not m.per_counter:
        by_code = rows.set_index("code")
        for code in area:
            if code in covered_codes:
                continue
            if code in by_code.index and m.ratio:
                r = by_code.loc[code]
                r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
                reason = m.den_missing if fmt.is_missing(r["den"]) or not r["den"] else m.num_missing
            else:
                reason = m.num_missing
            missing.append(f"{names[code]} : {reason}")
    num = known["num"].sum(min_count=1)
    if m.ratio:
        den = known["den"].sum(min_count=1)
        value = None if fmt.is_missing(num) or fmt.is_missing(den) or not den else float(num) / float(den)
    else:
        value = None if fmt.is_missing(num) else float(num)
        if value is None and m.absent_is_zero and area:
            value = 0.0
    covered = len(area) if m.per_counter else len(covered_codes)
    return Reading(
        metric=m, value=value, year=None if not m.yearly or cumulative else year,
        covered=covered, total=len(area), missing=tuple(missing),
        source=join_sources(rows["source"]),
        demo=bool(rows["is_demo"].fillna(False).any()) if len(rows) else False,
        items=int(rows["items"].sum()) if len(rows) else 0,
        unknown=int(rows["unknown"].fillna(0).sum()) if len(rows) else 0,
        hours=int(rows["hours"].fillna(0).sum()) if "hours" in rows and len(rows) else 0,
        codes=tuple(c for c in area if c in covered_codes),
    )


def comparable(cur: Reading, prev: Reading) -> bool:
    """Two readings measure the same perimeter: the same communes. A change of perimeter is not
    growth. Counted visits are compared counter by counter, which communes cannot tell:
    their change is themes.parks.constant_perimeter_change, never this one."""
    if cur.metric.per_counter:
        return False
    return cur.covered == prev.covered and cur.total == prev.total


def change(cur: Reading, prev: Reading) -> float | None:
    """Relative change between two readings of the same metric, or None when either is
    missing or they do not measure the same perimeter."""
    return fmt.change(cur.value, prev.value) if comparable(cur, prev) else None


def delta_text(cur: Reading, prev: Reading) -> str | None:
    """The card's change line: '+4,2 % par rapport à 2023', '+0,12 pt par rapport à 2023'."""
    if prev.year is None or fmt.is_missing(cur.value) or fmt.is_missing(prev.value):
        return None
    if not comparable(cur, prev):
        return None
    if cur.metric.ratio and cur.metric.unit == "%":
        return f"{points(cur.value - prev.value)} par rapport à {prev.year}"
    ch = fmt.change(cur.value, prev.value)
    return None if ch is None else f"{fmt.signed_percent(ch)} par rapport à {prev.year}"


def per_commune(values: pd.DataFrame, communes: pd.DataFrame, key: str, year: int | None,
                cumulative: bool = False) -> pd.DataFrame:
    """One row per commune (index = INSEE code): value (NaN = not known), num, den, items,
    unknown, is_demo, source — the map's choropleth and the tables read this."""
    m = METRICS[key]
    rows = _area_rows(values, key, year, cumulative)
    g = rows.groupby("code", sort=False)
    out = pd.DataFrame({
        "num": g["num"].sum(min_count=1),
        "den": g["den"].sum(min_count=1),
        "items": g["items"].sum(),
        "unknown": g["unknown"].sum(),
        "is_demo": g["is_demo"].any(),
        "source": g["source"].agg(join_sources),
    }).reindex(communes["code"])
    out.index.name = "code"
    absent = out["items"].isna()
    if m.absent_is_zero:
        out.loc[absent, ["num", "items", "unknown"]] = 0
    out["items"] = out["items"].fillna(0).astype(int)
    out["unknown"] = out["unknown"].fillna(0).astype(int)
    out["is_demo"] = out["is_demo"].fillna(False).astype(bool)
    out["source"] = out["source"].fillna("")
    if m.ratio:
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = (out["num"] / out["den"]).where(out["den"] > 0)
    else:
        out["value"] = out["num"]
    return out


