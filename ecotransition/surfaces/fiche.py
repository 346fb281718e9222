"""The fiche commune: one commune on one page, against its agglomeration and the Pôle, for its mayor.

Built from the map's inputs (maps.MapData: the metric layer's rows, communes, park sites,
counters, events, projects) with the metric layer's definitions, so every figure is the one the
overview, the thematic pages, the map and the screen show. Returns plain data (`Fiche`) that the
page (/commune), the PDF (surfaces.fiche_pdf) and the CLI (python -m ecotransition.fiches) render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from ecotransition.core import fmt, metrics
from ecotransition.core.labels import PMA_LABEL, PMA_SHORT
from ecotransition.core.plotting import EPCI_COLORS, style
from ecotransition.core.plotting import text as plot_text
from ecotransition.surfaces import targets
from ecotransition.surfaces.maps.view import MapData, _text, unit_suffix

NEAR_KM = 3.0   # park sites and counters "near" the commune: within this distance of its centre
LIST_MAX = 5    # rows of each listing on the printed fiche (the page lists them all)

# The figures of each section, by metric key (metrics.METRICS).
SOLAR = ("pv_sites", "pv_power_kw", "pv_energy_mwh", "solar_potential_mwh", "solar_uptake")
PER_INHABITANT = ("pv_sites_per_1000", "pv_kwh_per_inhabitant", "investment_eur_per_inhabitant", "jobs_per_1000")
RANKED = ("solar_uptake", "pv_kwh_per_inhabitant", "pv_sites_per_1000")


@dataclass(frozen=True)
class Line:
    """One figure of the commune, its agglomeration and the Pôle (French text, 'n.d.' when unknown)."""
    key: str
    label: str
    commune: str
    epci: str
    pma: str
    period: str
    source: str
    demo: bool
    value: float | None                  # the commune's figure (metric's own unit), None when unknown
    coverage: str | None = None          # of the agglomeration's and the Pôle's figures
    rank: str | None = None              # "12e sur 148 communes renseignées · 3e sur 36 dans la CALL"
    reason: str | None = None            # why the commune's figure is not known ("potentiel non renseigné")


@dataclass
class Section:
    title: str
    lines: list[Line]
    listing: pd.DataFrame = field(default_factory=pd.DataFrame)   # French text, one row per item
    listing_title: str = ""
    empty: str = ""                       # said when the listing has no row
    note: str = ""


@dataclass
class Fiche:
    code: str
    name: str
    epci: str
    population: str
    summary: list[str]
    sections: list[Section]
    uptake_trend: pd.DataFrame            # year, zone (commune, EPCI, PMA), value (share), demo
    uptake_distribution: pd.Series        # the 150 communes' taux (share, NaN unknown), index = code
    uptake_year: int | None
    goals: list = field(default_factory=list)   # targets.Tracked of the commune and its agglomeration

    @property
    def demo(self) -> bool:
        return any(line.demo for s in self.sections for line in s.lines)

    @property
    def sources(self) -> list[str]:
        out = [line.source for s in self.sections for line in s.lines if line.source and line.source != fmt.MISSING]
        return list(dict.fromkeys(p.strip() for src in out for p in src.split(";") if p.strip()))

    @property
    def datasets(self) -> tuple[str, ...]:
        """The registry tables with an update rhythm its figures are read from (their freshness
        is printed with them): each line's metric's (metrics.Metric.datasets), and the report's
        indicators when it shows targets."""
        keys = [metrics.METRICS[line.key].datasets for s in self.sections for line in s.lines
                if line.key in metrics.METRICS]
        return tuple(dict.fromkeys([d for ds in keys for d in ds] + (["indicators"] if self.goals else [])))

    @property
    def coverage_notes(self) -> list[str]:
        return [f"{line.label} : {line.coverage}" for s in self.sections for line in s.lines if line.coverage]


def ordinal(n: int) -> str:
    """1 -> '1re' (une commune), 12 -> '12e'."""
    return "1re" if n == 1 else f"{n}e"


def rank_text(values: pd.Series, code: str, epci_codes: list[str], epci: str) -> str | None:
    """'12e sur 148 communes renseignées · 3e sur 36 dans la CALL' (highest first), None when unknown."""
    v = values.get(code)
    if fmt.is_missing(v):
        return None
    known = values.dropna()
    in_epci = known[known.index.isin(epci_codes)]
    return (f"{ordinal(int((known > v).sum()) + 1)} sur {len(known)} communes renseignées · "
            f"{ordinal(int((in_epci > v).sum()) + 1)} sur {len(in_epci)} dans la {epci}")


def _km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in km (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _near(rows: pd.DataFrame, code: str, centre: tuple[float, float]) -> pd.DataFrame:
    """The rows (sites or counters, with commune_code, lat, lon) in the commune or within NEAR_KM of
    its centre, nearest first, with `where`: 'dans la commune' or 'à 2,1 km'."""
    if rows.empty:
        return rows.assign(where=[])
    km = [0.0 if c == code else (math.inf if fmt.is_missing(la) or fmt.is_missing(lo) else _km(*centre, la, lo))
          for c, la, lo in zip(rows["commune_code"], rows["lat"], rows["lon"])]
    rows = rows.assign(_km=km)
    rows = rows.loc[rows["_km"] <= NEAR_KM].sort_values(["_km", rows.columns[1]], kind="stable")
    return rows.assign(where=["dans la commune" if c == code else f"à {fmt.number(d, 1)} km"
                              for c, d in zip(rows["commune_code"], rows["_km"])])


class Shared:
    """What the fiches of one database share, computed once for a batch (the CLI's 150 fiches):
    each metric's rows, the agglomerations' and the Pôle's readings, every commune's values."""

    def __init__(self, data: MapData):
        self.data = data
        self._rows: dict[str, pd.DataFrame] = {}
        self._memo: dict[tuple, object] = {}

    def rows(self, key: str) -> pd.DataFrame:
        if key not in self._rows:
            self._rows[key] = metrics.rows_of(self.data.values, key)
        return self._rows[key]

    def reading(self, key: str, year: int | None, codes: tuple[str, ...] | None, cumulative: bool) -> metrics.Reading:
        memo = (codes is None or len(codes) > 1) and ("reading", key, year, codes, cumulative)
        if memo and memo in self._memo:
            return self._memo[memo]
        r = metrics.reading(self.rows(key), self.data.communes, key, year, codes, cumulative=cumulative)
        if memo:
            self._memo[memo] = r
        return r

    def per_commune(self, key: str, year: int | None, cumulative: bool = False) -> pd.Series:
        memo = ("per_commune", key, year, cumulative)
        if memo not in self._memo:
            self._memo[memo] = metrics.per_commune(self.rows(key), self.data.communes, key, year,
                                                   cumulative=cumulative)["value"]
        return self._memo[memo]

    def period(self, key: str, year: int | None) -> metrics.Period:
        memo = ("period", key, year)
        if memo not in self._memo:
            self._memo[memo] = metrics.period(self.rows(key), key, year)
        return self._memo[memo]


class _Reader:
    """The metric layer read for the commune, its agglomeration and the Pôle at the figure's period."""

    def __init__(self, shared: Shared, code: str, year: int | None):
        self.shared, self.communes, self.code, self.year = shared, shared.data.communes, code, year
        row = self.communes.loc[self.communes["code"] == code].iloc[0]
        self.epci = row["epci"]
        self.epci_codes = tuple(self.communes.loc[self.communes["epci"] == self.epci, "code"])

    def line(self, key: str, label: str | None = None, ranked: bool = False) -> Line:
        m = metrics.METRICS[key]
        period = self.shared.period(key, self.year)
        cumulative = period.year is None
        own = self.shared.reading(key, period.year, (self.code,), cumulative)
        agg = self.shared.reading(key, period.year, self.epci_codes, cumulative)
        pma = self.shared.reading(key, period.year, None, cumulative)
        cover = [f"{name} : {r.coverage}" for name, r in ((self.epci, agg), (PMA_SHORT, pma)) if r.coverage]
        rank = None
        if ranked:
            per = self.shared.per_commune(key, period.year, cumulative)
            rank = rank_text(per, self.code, list(self.epci_codes), self.epci)
        return Line(key=key, label=label or m.label + unit_suffix(m, m.label), commune=own.text, epci=agg.text,
                    pma=pma.text, period=period.label, source=own.source or agg.source or fmt.MISSING,
                    demo=own.demo or agg.demo or pma.demo, value=own.value,
                    coverage=" · ".join(cover) or None, rank=rank,
                    reason=", ".join(m.split(" : ", 1)[-1] for m in own.missing) or None)


def build(data: MapData, code: str, year: int | None = None, shared: Shared | None = None,
          indicators: pd.DataFrame | None = None, series: pd.DataFrame | None = None) -> Fiche | None:
    """The fiche of the commune `code` (INSEE), or None when it is not one of the 150.

    `year`: the sidebar's year (None: each figure's own latest year, as everywhere). `shared`:
    what a batch of fiches of the same `data` computes once. `indicators` (indicators_zones) and
    `series` (indicator_series): the targets set for the commune or its agglomeration."""
    communes = data.communes
    found = communes.loc[communes["code"] == code]
    if found.empty:
        return None
    c = found.iloc[0]
    shared = shared or Shared(data)
    read = _Reader(shared, code, year)
    centre = (float(c["lat"]), float(c["lon"]))

    pop = read.line("population")
    per_inhabitant = [read.line(k, ranked=k in RANKED) for k in PER_INHABITANT]
    solar = [read.line(k, ranked=k in RANKED) for k in SOLAR]
    visits = read.line("visits", "Passages comptés (compteurs situés dans la commune)")
    events_line = read.line("events")
    invest = [read.line("investment_eur"), read.line("jobs")]

    # Listings: what is in (or near) the commune.
    parks = _near(data.parks, code, centre)
    counters = data.counters
    visits_year = shared.period("visits", year).year
    if not counters.empty:
        counters = counters.loc[counters["year"] == visits_year] if visits_year else counters.iloc[0:0]
        counters = _near(counters, code, centre)
    places = pd.DataFrame({
        "Lieu": [_text(n) for n in parks.get("name", [])] + [_text(n) for n in counters.get("site_name", [])],
        "Type": [_text(k) for k in parks.get("kind", [])] + ["compteur de passages"] * len(counters),
        "Où": list(parks.get("where", [])) + list(counters.get("where", [])),
        "Passages": [""] * len(parks) + [fmt.number(v) for v in counters.get("visits", [])],
        "Source": [_text(s) for s in parks.get("source", [])] + [_text(s) for s in counters.get("source", [])],
    })
    ev = data.events.loc[data.events["commune_code"] == code].sort_values("start_date", ascending=False)
    events = pd.DataFrame({
        "Date": [fmt.day(d) for d in ev["start_date"]],
        "Événement": [_text(t) for t in ev["title"]],
        "Lieu": [_text(p) for p in ev["place"]],
        "Participants": [fmt.number(p) for p in ev["participants"]],
        "Source": [_text(s) for s in ev["source"]],
    })
    pr = data.investments.loc[data.investments["commune_code"] == code]
    projects = pd.DataFrame({
        "Projet": [_text(n) for n in pr["name"]],
        "Entreprise": [_text(n) for n in pr["company"]],
        "Montant": [fmt.euros(a) for a in pr["amount_eur"]],
        "Emplois": [fmt.number(j) for j in pr["jobs"]],
        "Annonce": [fmt.MISSING if fmt.is_missing(y) else str(int(y)) for y in pr["announced_year"]],
        "Source": [_text(s) for s in pr["source"]],
    })

    uptake_period = shared.period("solar_uptake", year)
    trend = []
    for y in metrics.years(shared.rows("solar_uptake"), "solar_uptake"):
        for zone, codes in ((c["name"], (code,)), (read.epci, read.epci_codes), (PMA_SHORT, None)):
            r = shared.reading("solar_uptake", y, codes, False)
            trend.append({"year": y, "zone": zone, "value": r.value, "demo": r.demo})
    distribution = shared.per_commune("solar_uptake", uptake_period.year)

    sections = [
        Section("Population et comparaison par habitant", [pop, *per_inhabitant]),
        Section("Solaire photovoltaïque", solar,
                note="Taux de valorisation = production de l'année ÷ potentiel des toitures."),
        Section("Chaîne des parcs", [visits], places, f"Sites et compteurs dans la commune ou à moins de "
                f"{fmt.number(NEAR_KM)} km", "Aucun site de la Chaîne des parcs ni compteur de passages "
                f"dans la commune ou à moins de {fmt.number(NEAR_KM)} km."),
        Section("Événements", [events_line], events, "Événements tenus dans la commune",
                "Aucun événement enregistré dans la commune."),
        Section("Investissements", invest, projects, "Projets d'investissement situés dans la commune",
                "Aucun projet d'investissement enregistré dans la commune."),
    ]
    return Fiche(code=code, name=c["name"], epci=read.epci, population=pop.commune,
                 summary=summary(c["name"], read.epci, pop, solar[-1], visits, events_line, invest, len(pr)),
                 sections=sections, uptake_trend=pd.DataFrame(trend, columns=["year", "zone", "value", "demo"]),
                 uptake_distribution=distribution, uptake_year=uptake_period.year,
                 goals=[] if indicators is None else targets.tracked(indicators, series, zones=(code, read.epci)))


def _inline(period: str) -> str:
    """'2023–2024 (cumul)' -> '2023–2024, cumul' (inside parentheses)."""
    return period.replace(" (", ", ").replace(")", "")


def _demo(line: Line) -> str:
    return " (démonstration)" if line.demo else ""


def summary(name: str, epci: str, pop: Line, uptake: Line, visits: Line, events: Line,
            invest: list[Line], n_projects: int) -> list[str]:
    """Three or four sentences that state only what the figures show (n.d. said as such)."""
    out = []
    if pop.value is not None:
        out.append(f"{name} compte {pop.commune} habitants (population municipale), dans l'agglomération {epci}.")
    if uptake.value is not None:
        out.append(f"En {uptake.period}, son taux de valorisation solaire est de {uptake.commune}, contre "
                   f"{uptake.epci} pour la {epci} et {uptake.pma} pour le {PMA_LABEL}"
                   + (f" ; {uptake.rank.split(' · ')[0]}" if uptake.rank else "") + f"{_demo(uptake)}.")
    else:
        out.append(f"Le taux de valorisation solaire de {name} n'est pas connu pour {uptake.period}"
                   + (f" : {uptake.reason}." if uptake.reason else "."))
    if visits.value is None:
        out.append("Aucun compteur de passages de la Chaîne des parcs n'est situé dans la commune.")
    else:
        out.append(f"Les compteurs situés dans la commune ont enregistré {visits.commune} passages "
                   f"en {visits.period}{_demo(visits)}.")
    amount, jobs = invest
    n_events = int(events.value or 0)
    parts = [f"{events.commune} événement{'s' if n_events > 1 else ''} ({_inline(events.period)})"
             if n_events else f"aucun événement ({_inline(events.period)})"]
    if n_projects:
        parts.append(f"{n_projects} projet{'s' if n_projects > 1 else ''} d'investissement "
                     f"({amount.commune}, {jobs.commune} emplois annoncés)")
    else:
        parts.append("aucun projet d'investissement")
    out.append(f"Recensés dans la commune : {' et '.join(parts)}{_demo(amount) if n_projects else ''}.")
    return out


# ------------------------------------------------------------------ charts of the page (plotly)

def trend_figure(fiche: Fiche):
    """The taux de valorisation by year: the commune, its agglomeration and the Pôle."""
    fig = go.Figure()
    colors = {fiche.name: "#1a5e20", fiche.epci: EPCI_COLORS.get(fiche.epci, "#6a8caf"), PMA_SHORT: "#888888"}
    for zone, color in colors.items():
        d = fiche.uptake_trend[fiche.uptake_trend["zone"] == zone]
        name = plot_text(zone)   # plotly draws a subset of HTML in names and hover texts
        fig.add_trace(go.Scatter(
            x=d["year"], y=d["value"] * 100, name=name, mode="lines+markers",
            line=dict(color=color, width=3 if zone == fiche.name else 1.5, dash="dash" if zone == PMA_SHORT else None),
            hovertemplate=f"{name} · %{{x}} : %{{y:.2f}} %<extra></extra>"))
    fig.update_layout(xaxis=dict(title="Année", dtick=2), yaxis_title="Taux de valorisation (%)")
    return style(fig, "Taux de valorisation solaire par année", demo=bool(fiche.uptake_trend["demo"].any()),
                 height=320)


def distribution_figure(fiche: Fiche):
    """The communes' taux de valorisation, lowest to highest, the commune's bar highlighted."""
    values = fiche.uptake_distribution.dropna().sort_values()
    colors = ["#1a5e20" if code == fiche.code else "#c9d6c3" for code in values.index]
    fig = go.Figure(go.Bar(x=list(range(1, len(values) + 1)), y=values * 100, marker_color=colors,
                           hovertemplate="%{y:.2f} %<extra></extra>"))
    own = values.get(fiche.code)
    if own is not None:
        pos = list(values.index).index(fiche.code) + 1
        fig.add_annotation(x=pos, y=own * 100, text=plot_text(fiche.name), showarrow=True, arrowhead=0, ay=-30)
    fig.update_layout(xaxis=dict(title="Communes, de la plus basse à la plus haute", showticklabels=False),
                      yaxis_title="Taux de valorisation (%)", showlegend=False)
    return style(fig, f"Les {len(values)} communes renseignées ({fiche.uptake_year or 'n.d.'})",
                 demo=any(line.demo for line in fiche.sections[1].lines), height=320)


def lines_table(fiche: Fiche, section: Section) -> pd.DataFrame:
    """A section's figures as the page shows them (French text)."""
    return pd.DataFrame({
        "Indicateur": [line.label for line in section.lines],
        fiche.name: [line.commune for line in section.lines],
        fiche.epci: [line.epci for line in section.lines],
        PMA_SHORT: [line.pma for line in section.lines],
        "Période": [line.period for line in section.lines],
        "Rang": [line.rank or "" for line in section.lines],
        "Source": [line.source for line in section.lines],
    }).set_index("Indicateur")
