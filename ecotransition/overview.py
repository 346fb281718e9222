"""Vue d'ensemble: headline cards, "à retenir" sentences and the per-inhabitant comparison.

Every function takes the DataFrames of the named queries (overview_*.sql, investments_list,
indicators_latest) and returns Kpi cards, sentences, tables or plotly figures; nothing here
touches Streamlit, so the whole page logic is tested with plain pytest.

Years: each theme resolves its own year. The `annee` filter wins when it is set (a year with
no data then shows "n.d."); otherwise each card shows the last full year of its own series
(solar and counters: 2024 in the built database; events: the last year with published
participant counts, i.e. the report's 2023). Every card states its year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import DEMO_SOURCE, REPORT_SOURCE, fmt
from .investments import demo_above_subplots, indicator_card, project_kpis, report_kpis
from .kpi import Kpi
from .plotting import EPCI_COLORS, PALETTE, style

PMA_LABEL = "Pôle métropolitain de l'Artois"
PMA_SHORT = "PMA"
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]


# ------------------------------------------------------------------ selection and years

@dataclass(frozen=True)
class Selection:
    """The sidebar filters: agglomeration short name, INSEE code (with its name), year."""

    epci: str | None = None
    commune: str | None = None
    commune_name: str | None = None
    annee: int | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.epci or self.commune)

    @property
    def label(self) -> str:
        """The area in French: 'Lens (62498)', 'CAHC' or the whole PMA."""
        if self.commune:
            return f"{self.commune_name or self.commune} ({self.commune})"
        return self.epci or PMA_LABEL

    @property
    def area_phrase(self) -> str:
        """The area inside a sentence: 'de la commune de Lens', "de l'agglomération CAHC"."""
        if self.commune:
            return f"de la commune de {self.commune_name or self.commune}"
        if self.epci:
            return f"de l'agglomération {self.epci}"
        return "du Pôle métropolitain"


def selection(filters: dict, communes: pd.DataFrame) -> Selection:
    """The Selection of the sidebar filters; `communes` (communes_list) gives the commune's name."""
    code = filters.get("commune")
    name = None
    if code and len(communes):
        match = communes.loc[communes["code"] == code, "name"]
        name = match.iloc[0] if len(match) else None
    annee = filters.get("annee")
    return Selection(epci=filters.get("epci"), commune=code, commune_name=name,
                     annee=None if annee is None or fmt.is_missing(annee) else int(annee))


def resolve_year(requested, available: Iterable) -> int | None:
    """The year asked for (even without data: the card then says n.d.), else the latest available."""
    if requested is not None and not fmt.is_missing(requested):
        return int(requested)
    years = [int(y) for y in available if not fmt.is_missing(y)]
    return max(years) if years else None


def full_years(months: pd.Series) -> list[int]:
    """Years whose twelve months all appear in a series of month starts."""
    m = pd.to_datetime(pd.Series(months)).dropna()
    counts = m.dt.month.groupby(m.dt.year).nunique()
    return sorted(int(y) for y, n in counts.items() if n == 12)


def _year_text(year) -> str:
    return fmt.MISSING if year is None else str(year)


def _delta(current, previous, previous_year, suffix: str = "") -> str | None:
    ch = fmt.change(current, previous)
    if ch is None:
        return None
    return f"{fmt.signed_percent(ch)} par rapport à {previous_year}{suffix}"


def _sources(values: Iterable) -> str:
    parts: list[str] = []
    for v in values:
        if fmt.is_missing(v):
            continue
        for s in str(v).split(" ; "):
            if s and s not in parts:
                parts.append(s)
    return " ; ".join(parts) or fmt.MISSING


def energy(mwh) -> str:
    """A production or potential in MWh, in GWh from 10 000 MWh up ('91,6 GWh', '3 000 GWh')."""
    if fmt.is_missing(mwh):
        return fmt.MISSING
    gwh = float(mwh) / 1000
    if abs(gwh) >= 10:
        return f"{fmt.number(gwh, 1 if abs(gwh) < 1000 else 0)}{fmt.NBSP}GWh"
    return f"{fmt.number(mwh)}{fmt.NBSP}MWh"


def points(value) -> str:
    """A change of a share in percentage points: 0.0061 -> '+0,6 pt'."""
    if fmt.is_missing(value):
        return fmt.MISSING
    v = fmt._round(float(value) * 100, 1)
    sign = "+" if v > 0 else "-" if v < 0 else ""
    return f"{sign}{fmt.number(abs(v), 1)}{fmt.NBSP}pt"


# ------------------------------------------------------------------ shaping

def solar_row(solar: pd.DataFrame, year: int | None) -> tuple[dict | None, dict | None]:
    """The overview_solar rows of `year` and of the year before (None when absent)."""
    def row(y):
        r = solar[solar["year"] == y] if y is not None else solar.iloc[0:0]
        return r.iloc[0].to_dict() if len(r) else None
    return row(year), row(year - 1 if year is not None else None)


def visits_by_year(visits: pd.DataFrame) -> pd.DataFrame:
    """overview_visits rows summed per channel and year (visits NaN when every hour is missing)."""
    if visits.empty:
        return pd.DataFrame(columns=["channel_id", "mobility_type", "year", "visits", "hours",
                                     "missing_hours", "months", "is_demo", "source"])
    v = visits.assign(year=pd.to_datetime(visits["month"]).dt.year)
    g = v.groupby(["channel_id", "mobility_type", "year"])
    return pd.DataFrame({
        "visits": g["visits"].sum(min_count=1),
        "hours": g["hours"].sum(),
        "missing_hours": g["missing_hours"].sum(),
        "months": g["month"].nunique(),
        "is_demo": g["is_demo"].any(),
        "source": g["source"].agg(_sources),
    }).reset_index()


def visits_summary(visits: pd.DataFrame, year: int | None) -> dict:
    """Counted passages of `year` and their change on the channels counted all of both years.

    The change compares like with like: a counter installed during the year (or out of order
    for months) would otherwise show up as growth.
    """
    per = visits_by_year(visits)
    cur = per[per["year"] == year]
    prev = per[per["year"] == (year - 1 if year is not None else None)]
    total = cur["visits"].sum(min_count=1) if len(cur) else None
    full_cur = set(cur.loc[cur["months"] == 12, "channel_id"])
    full_prev = set(prev.loc[prev["months"] == 12, "channel_id"])
    same = full_cur & full_prev
    cur_same = cur.loc[cur["channel_id"].isin(same), "visits"].sum(min_count=1) if same else None
    prev_same = prev.loc[prev["channel_id"].isin(same), "visits"].sum(min_count=1) if same else None
    hours = cur["hours"].sum() if len(cur) else 0
    return {
        "year": year,
        "visits": None if fmt.is_missing(total) else float(total),
        "channels": int(cur["channel_id"].nunique()),
        "sites": int(visits.loc[visits["channel_id"].isin(cur["channel_id"]), "site_id"].nunique())
        if len(cur) else 0,
        "missing_share": (cur["missing_hours"].sum() / hours) if hours else None,
        "change": fmt.change(cur_same, prev_same),
        "comparable_channels": len(same),
        "demo": bool(cur["is_demo"].any()) if len(cur) else False,
        "source": _sources(cur["source"]) if len(cur) else fmt.MISSING,
    }


def visits_default_year(visits: pd.DataFrame) -> int | None:
    return resolve_year(None, full_years(visits["month"]) if len(visits) else [])


def busiest_month(visits: pd.DataFrame, year: int | None) -> dict | None:
    """The month of `year` with the most counted passages (all channels of the selection)."""
    if visits.empty or year is None:
        return None
    v = visits[pd.to_datetime(visits["month"]).dt.year == year]
    if v.empty:
        return None
    monthly = v.groupby("month")["visits"].sum(min_count=1).dropna()
    if monthly.empty:
        return None
    month = pd.Timestamp(monthly.idxmax())
    return {
        "month": month, "name": MONTHS[month.month - 1], "visits": float(monthly.max()),
        "share": float(monthly.max() / monthly.sum()) if monthly.sum() else None,
        "demo": bool(v["is_demo"].any()), "source": _sources(v["source"]),
    }


def events_default_year(events: pd.DataFrame) -> int | None:
    """The last year with published participant counts (the report's year), else the last year."""
    if events.empty:
        return None
    counted = events.loc[events["participants"].notna(), "year"]
    return resolve_year(None, counted if len(counted) else events["year"])


def events_summary(events: pd.DataFrame, year: int | None) -> dict:
    """Events of `year`; participants summed over the published counts of events on the territory.

    Trade fairs outside the territory (Vivatechnology, SIMI…) publish their own attendance, which
    says nothing about the PMA's audience: they are counted as events, not as participants.
    """
    ev = events[events["year"] == year] if year is not None else events.iloc[0:0]
    inside = ev[ev["in_territory"].astype(bool)]
    counted = inside["participants"].dropna()
    # Outside the years the events table covers, the count is unknown, not zero.
    covered = len(events) > 0 and year is not None and events["year"].min() <= year <= events["year"].max()
    return {
        "year": year,
        "events": len(ev) if covered else None,
        "outside": int((~ev["in_territory"].astype(bool)).sum()),
        "participants": float(counted.sum()) if len(counted) else None,
        "counted": len(counted),
        "inside": len(inside),
        "demo": bool((ev["source"] == DEMO_SOURCE).any()),
        "source": _sources(ev["source"]) if len(ev) else REPORT_SOURCE,
    }


def biggest_event(events: pd.DataFrame, year: int | None) -> dict | None:
    """The event of `year` on the territory with the most published participants."""
    ev = events[(events["year"] == year) & events["in_territory"].astype(bool)
                & events["participants"].notna()] if year is not None else events.iloc[0:0]
    if ev.empty:
        return None
    top = ev.sort_values(["participants", "start_date"], ascending=[False, True]).iloc[0]
    return top.to_dict()


def cadastre_summary(cadastre: pd.DataFrame, year: int | None) -> dict:
    """Users of the solar cadastre in `year`; a change only when both years are counted in full."""
    def row(y):
        r = cadastre[cadastre["year"] == y] if y is not None else cadastre.iloc[0:0]
        return r.iloc[0] if len(r) else None

    cur, prev = row(year), row(year - 1 if year is not None else None)

    def full(r) -> bool:
        if r is None:
            return False
        first, last = pd.Timestamp(r["first_day"]), pd.Timestamp(r["last_day"])
        return (first.month, first.day) == (1, 1) and (last.month, last.day) == (12, 31)

    return {
        "year": year,
        "users": None if cur is None or fmt.is_missing(cur["users"]) else float(cur["users"]),
        "previous": None if prev is None else float(prev["users"]),
        "change": fmt.change(cur["users"], prev["users"]) if full(cur) and full(prev) else None,
        "partial_previous": prev is not None and not full(prev),
        "first_day": None if cadastre.empty else pd.Timestamp(cadastre["first_day"].min()),
        "demo": True if cur is None else bool(cur["is_demo"]),
        "source": DEMO_SOURCE if cur is None else cur["source"],
    }


def cadastre_default_year(cadastre: pd.DataFrame) -> int | None:
    if cadastre.empty:
        return None
    full = cadastre[[pd.Timestamp(d).month == 12 and pd.Timestamp(d).day == 31 for d in cadastre["last_day"]]]
    return resolve_year(None, full["year"] if len(full) else cadastre["year"])


# ------------------------------------------------------------------ KPI cards

def territory_kpis(territory: pd.DataFrame, indicators: pd.DataFrame, sel: Selection) -> list[Kpi]:
    """Population and communes of the selection (population municipale INSEE from the communes table)."""
    t = territory.iloc[0] if len(territory) else {}
    source = t.get("source", fmt.MISSING) if len(territory) else fmt.MISSING
    report = indicator_card(indicators, "population")
    help_pop = "Somme des populations municipales INSEE des communes de la sélection."
    if report is not None and not sel.filtered:
        help_pop += f" Le rapport d'activité {report.year} arrondit à {report.value} habitants."
    communes = t.get("communes") if len(territory) else None
    epcis = int(t.get("epcis") or 0) if len(territory) else 0
    return [
        Kpi(label="Habitants", value=fmt.number(t.get("population") if len(territory) else None),
            year="population municipale INSEE", source=source, help=help_pop),
        Kpi(label="Communes", value=fmt.number(communes), year=2024,
            source=source,
            help=f"{epcis} agglomération{'s' if epcis > 1 else ''} : Béthune-Bruay Artois-Lys Romane (CABBALR), "
                 "Lens-Liévin (CALL), Hénin-Carvin (CAHC)." if not sel.filtered else None),
    ]


def investment_kpis(projects: pd.DataFrame, indicators: pd.DataFrame, sel: Selection) -> list[Kpi]:
    """The report's 2.5 Md€ and 4 000 jobs for the whole PMA; sums of the recorded projects when filtered.

    The report publishes no amount per project: a filtered amount only adds up demonstration
    rows, and says so.
    """
    cards: list[Kpi] = []
    if not sel.filtered:
        cards += report_kpis(indicators)
        cards += [k for k in project_kpis(projects, sel.label) if k.label.startswith("Projets")]
    else:
        cards += project_kpis(projects, sel.label)
    return cards


def solar_kpis(solar: pd.DataFrame, cadastre: pd.DataFrame, year: int | None,
               cadastre_year: int | None, sel: Selection) -> list[Kpi]:
    cur, prev = solar_row(solar, year)

    def val(r, col):
        return None if r is None else r[col]

    demo = True if cur is None else bool(cur["is_demo"])
    source = DEMO_SOURCE if cur is None else _sources([cur["source"]])
    py = year - 1 if year is not None else None
    share = None if cur is None or not val(cur, "potential_mwh") else cur["energy_mwh"] / cur["potential_mwh"]
    prev_share = None if prev is None or not val(prev, "potential_mwh") else prev["energy_mwh"] / prev["potential_mwh"]
    potential = val(cur, "potential_mwh") if cur is not None else (
        solar["potential_mwh"].iloc[0] if len(solar) else None)
    cards = [
        Kpi(label="Sites photovoltaïques", value=fmt.number(val(cur, "sites")), year=year,
            source=source, demo=demo, delta=_delta(val(cur, "sites"), val(prev, "sites"), py),
            good_direction="up", help="Installations photovoltaïques raccordées au réseau, au 31 décembre."),
        Kpi(label="Production photovoltaïque", value=energy(val(cur, "energy_mwh")), year=year,
            source=source, demo=demo, delta=_delta(val(cur, "energy_mwh"), val(prev, "energy_mwh"), py),
            good_direction="up", help="Électricité produite dans l'année par les installations photovoltaïques."),
        Kpi(label="Part du potentiel des toitures",
            value=fmt.percent(share, 2), year=year, source=source, demo=demo,
            delta=None if share is None or prev_share is None else f"{points(share - prev_share)} par rapport à {py}",
            good_direction="up",
            help=f"Production de l'année rapportée au potentiel annuel des toitures ({energy(potential)}"
                 + (" : le rapport d'activité 2023 l'estime à 3 000 GWh pour le Pôle" if not sel.filtered
                    else ", répartition de démonstration des 3 000 GWh du rapport") + ")."),
    ]
    cad = cadastre_summary(cadastre, cadastre_year)
    launch = fmt.day(cad["first_day"]) if cad["first_day"] is not None else fmt.MISSING
    help_cad = (f"Utilisateurs du site pma.cadastre-solaire.fr pendant l'année, depuis le lancement du {launch}. "
                "Le rapport d'activité 2023 en compte 2 200 en deux mois. Non ventilé par commune.")
    if cad["partial_previous"]:
        help_cad += f" Pas d'évolution : {cadastre_year - 1} n'est compté qu'à partir du lancement."
    cards.append(Kpi(
        label="Utilisateurs du cadastre solaire" + (" (tout le PMA)" if sel.filtered else ""),
        value=fmt.number(cad["users"]), year=cadastre_year, source=cad["source"], demo=cad["demo"],
        delta=_delta(1 + cad["change"], 1, cadastre_year - 1) if cad["change"] is not None else None,
        good_direction="up", help=help_cad,
    ))
    return cards


def parks_kpis(visits: pd.DataFrame, indicators: pd.DataFrame, year: int | None, sel: Selection) -> list[Kpi]:
    s = visits_summary(visits, year)
    help_v = (f"Passages de piétons et de cyclistes aux {s['sites']} compteurs de la sélection"
              + (f" ({fmt.percent(s['missing_share'], 1)} des heures non mesurées, non comptées)"
                 if s["missing_share"] else "") + ". L'évolution ne compare que les compteurs "
              "en service les deux années entières.")
    if not s["channels"]:
        help_v = "Aucun compteur de fréquentation dans la sélection."
    suffix = " (tout le PMA)" if sel.filtered else ""
    cards = [Kpi(
        label="Passages aux compteurs des parcs", value=fmt.number(s["visits"]), year=year,
        source=s["source"] if s["channels"] else DEMO_SOURCE, demo=s["demo"] or not s["channels"],
        delta=_delta(1 + s["change"], 1, year - 1, " (mêmes compteurs)") if s["change"] is not None else None,
        good_direction="up", help=help_v,
    )]
    for ind_id, label in (("parcs_ha", "Parcs de la Chaîne des parcs"),
                          ("voies_vertes_km", "Voies vertes reliant les parcs")):
        k = indicator_card(indicators, ind_id, label + suffix)
        if k is not None:
            cards.append(k)
    return cards


def event_kpis(events: pd.DataFrame, year: int | None, sel: Selection) -> list[Kpi]:
    s = events_summary(events, year)
    outside = f", dont {s['outside']} hors du territoire" if s["outside"] else ""
    return [
        Kpi(label="Événements", value=fmt.number(s["events"]),
            year=year, source=s["source"], demo=s["demo"],
            help=f"Événements datés du rapport d'activité (rencontres, fêtes, salons, instances){outside}."),
        Kpi(label="Participants aux événements", value=fmt.number(s["participants"]),
            year=year, source=s["source"], demo=s["demo"],
            help=f"Somme des effectifs publiés pour {s['counted']} des {s['inside']} événements tenus sur le "
                 "territoire ; les salons extérieurs ne sont pas comptés."),
    ]


# ------------------------------------------------------------------ à retenir

@dataclass(frozen=True)
class Takeaway:
    text: str          # plain text: the page escapes it before rendering
    year: int | None
    source: str
    demo: bool


def growth_by_epci(solar_by_epci: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """PV production change of `year` against the year before, per agglomeration, fastest first."""
    if year is None or solar_by_epci.empty:
        return pd.DataFrame(columns=["epci", "energy_mwh", "previous", "change", "is_demo"])
    cur = solar_by_epci[solar_by_epci["year"] == year].set_index("epci")
    prev = solar_by_epci[solar_by_epci["year"] == year - 1].set_index("epci")
    out = pd.DataFrame({"energy_mwh": cur["energy_mwh"], "previous": prev["energy_mwh"].reindex(cur.index),
                        "is_demo": cur["is_demo"]})
    out["change"] = [fmt.change(a, b) for a, b in zip(out["energy_mwh"], out["previous"])]
    out = out.dropna(subset=["change"]).sort_values("change", ascending=False)
    return out.reset_index()


def takeaways(solar_by_epci: pd.DataFrame, solar: pd.DataFrame, visits: pd.DataFrame,
              events: pd.DataFrame, sel: Selection, solar_year: int | None,
              visits_year: int | None, events_year: int | None) -> list[Takeaway]:
    """Three or four sentences computed from the data, each with its year and source."""
    out: list[Takeaway] = []
    growth = growth_by_epci(solar_by_epci, solar_year)
    if len(growth) >= 2:
        first, others = growth.iloc[0], growth.iloc[1:]
        rest = ", ".join(f"{r.epci} {fmt.signed_percent(r.change)}" for r in others.itertuples())
        out.append(Takeaway(
            f"En {solar_year}, c'est dans l'agglomération {first.epci} que la production photovoltaïque "
            f"a le plus progressé : {fmt.signed_percent(first.change)} par rapport à {solar_year - 1} "
            f"({rest}).",
            solar_year, _sources(solar_by_epci.loc[solar_by_epci["year"] == solar_year, "source"]),
            bool(growth["is_demo"].any())))
    cur, _ = solar_row(solar, solar_year)
    if cur is not None and cur["potential_mwh"]:
        out.append(Takeaway(
            f"En {solar_year}, les installations photovoltaïques {sel.area_phrase} ont produit "
            f"{energy(cur['energy_mwh'])}, soit {fmt.percent(cur['energy_mwh'] / cur['potential_mwh'], 2)} "
            f"du potentiel annuel de ses toitures ({energy(cur['potential_mwh'])}).",
            solar_year, _sources([cur["source"]]), bool(cur["is_demo"])))
    busy = busiest_month(visits, visits_year)
    if busy is not None:
        share = f", {fmt.percent(busy['share'], 1)} des passages de l'année" if busy["share"] else ""
        out.append(Takeaway(
            f"Aux compteurs de la Chaîne des parcs {sel.area_phrase}, le mois le plus fréquenté de "
            f"{visits_year} a été {busy['name']}, avec {fmt.number(busy['visits'])} passages{share}.",
            visits_year, busy["source"], busy["demo"]))
    top = biggest_event(events, events_year)
    if top is not None:
        where = f" à {top['commune']}" if not fmt.is_missing(top.get("commune")) else ""
        out.append(Takeaway(
            f"Le plus grand rendez-vous de {events_year} sur le territoire {sel.area_phrase} : "
            f"« {top['title']} »{where}, à partir du {fmt.day(top['start_date'])}, avec "
            f"{fmt.number(top['participants'])} participants.",
            events_year, top["source"], top["source"] == DEMO_SOURCE))
    return out


# ------------------------------------------------------------------ comparison per inhabitant

@dataclass(frozen=True)
class Metric:
    column: str        # a column of the per-commune frame
    label: str         # French label
    unit: str          # unit of the per-inhabitant value, e.g. "pour 1 000 habitants"
    factor: float      # per-inhabitant value = total / population * factor
    decimals: int = 1
    demo_column: str | None = None    # boolean column flagging demonstration rows
    source_column: str | None = None  # column naming the source of the values


OVERVIEW_METRICS = (
    Metric("pv_sites", "Sites photovoltaïques", "sites pour 1 000 habitants", 1000, 1, "pv_is_demo", "pv_source"),
    Metric("pv_mwh", "Production photovoltaïque", "kWh par habitant", 1000, 0, "pv_is_demo", "pv_source"),
    Metric("invest_eur", "Investissements recensés", "€ par habitant", 1, 0, "invest_is_demo", "invest_source"),
    Metric("jobs", "Emplois annoncés", "emplois pour 1 000 habitants", 1000, 1, "invest_is_demo", "invest_source"),
)
INVESTMENT_METRICS = OVERVIEW_METRICS[2:]


def comparison_sources(communes: pd.DataFrame, metrics: Iterable[Metric] = OVERVIEW_METRICS,
                       population_column: str = "population_source") -> str:
    """'Population : … · Sites photovoltaïques, Production photovoltaïque : démonstration · …'."""
    groups: dict[str, list[str]] = {}
    if population_column in communes:
        groups.setdefault(_sources(communes[population_column].unique()), []).append("Population")
    for m in metrics:
        if m.source_column and m.source_column in communes:
            groups.setdefault(_sources(communes[m.source_column].unique()), []).append(m.label)
    return " · ".join(f"{', '.join(labels)} : {src}" for src, labels in groups.items())


def comparison_zones(communes: pd.DataFrame, epci: str | None, commune: str | None) -> list[tuple[str, str, pd.Series]]:
    """(name, kind, row mask) of the areas to compare: the selection and its agglomeration, or
    the three agglomerations when nothing is selected; the whole PMA always comes last."""
    zones = []
    if commune:
        rows = communes[communes["commune_code"] == commune]
        name = rows["commune"].iloc[0] if len(rows) else commune
        zones.append((f"{name} ({commune})", "commune", communes["commune_code"] == commune))
        epci = rows["epci"].iloc[0] if len(rows) else epci
        if epci:
            zones.append((str(epci), "epci", communes["epci"] == epci))
    elif epci:
        zones.append((epci, "epci", communes["epci"] == epci))
    else:
        for e in sorted(communes["epci"].dropna().unique()):
            zones.append((str(e), "epci", communes["epci"] == e))
    zones.append((PMA_SHORT, "pma", pd.Series(True, index=communes.index)))
    return zones


def per_inhabitant(communes: pd.DataFrame, epci: str | None = None, commune: str | None = None,
                   metrics: Iterable[Metric] = OVERVIEW_METRICS) -> pd.DataFrame:
    """The selected commune or agglomeration against the whole PMA, per inhabitant.

    `communes` has one row per commune with `commune_code`, `commune`, `epci`, `population`
    and the metric columns (e.g. overview_by_commune, or any frame of that shape). Returns one
    row per (zone, metric): total, population, per_inhabitant and gap = zone ÷ PMA − 1.
    Totals add up the known values (min_count=1): an area with no known value stays missing.
    """
    rows = []
    metrics = list(metrics)
    for zone, kind, mask in comparison_zones(communes, epci, commune):
        part = communes[mask]
        pop = part["population"].sum(min_count=1)
        for m in metrics:
            total = part[m.column].sum(min_count=1) if m.column in part else None
            per = None if fmt.is_missing(total) or fmt.is_missing(pop) or not pop else float(total) / float(pop) * m.factor
            demo = bool(part[m.demo_column].any()) if m.demo_column and m.demo_column in part else False
            rows.append({"zone": zone, "kind": kind, "metric": m.column, "label": m.label, "unit": m.unit,
                         "decimals": m.decimals, "total": total, "population": pop,
                         "per_inhabitant": per, "is_demo": demo})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    pma = out[out["kind"] == "pma"].set_index("metric")["per_inhabitant"]
    out["gap"] = [None if fmt.is_missing(v) or fmt.is_missing(pma.get(m)) or not pma.get(m)
                  else float(v) / float(pma.get(m)) - 1 for v, m in zip(out["per_inhabitant"], out["metric"])]
    return out


def comparison_table(comp: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator, one column per area (per-inhabitant values), then, for a selected
    commune or agglomeration, its gap to the PMA in percent."""
    if comp.empty:
        return pd.DataFrame()
    zones = list(dict.fromkeys(comp["zone"]))
    first = zones[0]
    # The gap column is for a selection; the three agglomerations side by side need none.
    selected = comp.loc[comp["zone"] == first, "kind"].iloc[0] == "commune" or len(zones) == 2
    rows = []
    for metric, d in comp.groupby("metric", sort=False):
        by_zone = d.set_index("zone")
        row = {"Indicateur": d["label"].iloc[0], "Unité": d["unit"].iloc[0]}
        for z in zones:
            row[z] = by_zone.at[z, "per_inhabitant"] if z in by_zone.index else None
        if selected:
            gap = by_zone.at[first, "gap"] if first in by_zone.index else None
            row[f"Écart {first} / {PMA_SHORT} (%)"] = None if fmt.is_missing(gap) else float(gap) * 100
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in out.columns[2:]:
        # Rounded here (half up, one decimal) so that the table, its exports and the chart agree.
        out[col] = [None if fmt.is_missing(v) else fmt._round(float(v), 1) for v in out[col]]
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def comparison_figure(comp: pd.DataFrame, title: str | None = None) -> go.Figure:
    """One small bar chart per indicator (units differ), one bar per area, the PMA in grey."""
    metrics = list(dict.fromkeys(comp["metric"])) if len(comp) else []
    labels = {m: comp.loc[comp["metric"] == m, ["label", "unit"]].iloc[0] for m in metrics}
    fig = make_subplots(rows=1, cols=max(1, len(metrics)),
                        subplot_titles=[f"{labels[m]['label']}<br><sup>{labels[m]['unit']}</sup>" for m in metrics])
    for i, m in enumerate(metrics, start=1):
        d = comp[comp["metric"] == m]
        colors = [("#999999" if k == "pma" else EPCI_COLORS.get(z, PALETTE[4]) if k == "epci" else PALETTE[4])
                  for z, k in zip(d["zone"], d["kind"])]
        decimals = int(d["decimals"].iloc[0])
        fig.add_bar(x=d["zone"], y=d["per_inhabitant"], marker_color=colors, showlegend=False,
                    text=[fmt.number(v, decimals) for v in d["per_inhabitant"]], textposition="outside",
                    cliponaxis=False,
                    hovertemplate=f"%{{x}}<br>%{{y:,.{decimals}f}} {labels[m]['unit']}<extra></extra>",
                    row=1, col=i)
        fig.update_yaxes(showticklabels=False, rangemode="tozero", row=1, col=i)
    fig.update_annotations(font_size=13)
    demo = bool(comp["is_demo"].any()) if len(comp) else False
    return demo_above_subplots(style(fig, title, demo=demo, height=400))

