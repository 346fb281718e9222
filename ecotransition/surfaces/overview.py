"""Vue d'ensemble: headline cards, "à retenir" sentences and the per-inhabitant comparison.

Every function takes the DataFrames of the named queries (metrics_*, overview_*.sql,
investments_list, indicators_latest) and returns Kpi cards, sentences, tables or plotly
figures; nothing here touches Streamlit, so the whole page logic is tested with plain pytest.
Solar, counted visits and the per-inhabitant comparison come from the metric layer
(ecotransition.core.metrics): the same figures as the thematic pages, the map and the screen.

Years: the `annee` filter wins when it is set (a year with no data then shows "n.d.");
otherwise each figure follows its metric's year rule (solar: the latest year of data;
counters: the latest year measured up to 31 December; events: the last year with published
participant counts, i.e. the report's 2023). Every card states its year.
"""

from __future__ import annotations

import calendar

from dataclasses import dataclass
from typing import Iterable

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ecotransition.core import fmt, metrics
from ecotransition.core.kpi import Kpi, from_reading
from ecotransition.core.labels import DEMO_SOURCE
from ecotransition.core.plotting import EPCI_COLORS, PALETTE, style
from ecotransition.core.selection import Selection, zones
from ecotransition.themes import events as events_theme
from ecotransition.themes import parks as parks_theme
from ecotransition.themes import solar as solar_theme
from ecotransition.themes.investments import demo_above_subplots, indicator_card, project_kpis, report_kpis

MONTHS = fmt.MONTHS


# ------------------------------------------------------------------ helpers

def _delta(current, previous, previous_year, suffix: str = "") -> str | None:
    ch = fmt.change(current, previous)
    if ch is None:
        return None
    return f"{fmt.signed_percent(ch)} par rapport à {previous_year}{suffix}"


def _sources(values: Iterable) -> str:
    return metrics.join_sources(values) or fmt.MISSING


# ------------------------------------------------------------------ shaping

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
    years = counted if len(counted) else events["year"]
    return int(years.max()) if len(years) else None


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
        # The sources of the events counted (events.origin, as /evenements words them): none counted, none claimed.
        "source": events_theme.origin(ev["source"]),
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
    """Users of the solar cadastre in `year`; a change only when both years are counted in full,
    on the same calendar days (`leap_day_left_out`: 29 February, in `year` or the year before, is
    not compared). `cadastre`: overview_cadastre rows."""
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
        # The same 365 calendar days: a leap year's 29 February has no counterpart in its neighbour.
        "change": fmt.change(cur["users_same_days"], prev["users_same_days"]) if full(cur) and full(prev) else None,
        "leap_day_left_out": full(cur) and full(prev) and (calendar.isleap(year) or calendar.isleap(year - 1)),
        "partial_previous": prev is not None and not full(prev),
        "first_day": None if cadastre.empty else pd.Timestamp(cadastre["first_day"].min()),
        "demo": True if cur is None else bool(cur["is_demo"]),
        "source": DEMO_SOURCE if cur is None else cur["source"],
    }


def cadastre_default_year(cadastre: pd.DataFrame) -> int | None:
    if cadastre.empty:
        return None
    full = cadastre[[pd.Timestamp(d).month == 12 and pd.Timestamp(d).day == 31 for d in cadastre["last_day"]]]
    years = full["year"] if len(full) else cadastre["year"]
    return int(max(years)) if len(years) else None


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


def solar_kpis(values: pd.DataFrame, communes: pd.DataFrame, cadastre: pd.DataFrame, year: int | None,
               cadastre_year: int | None, sel: Selection) -> list[Kpi]:
    """Sites, production and taux de valorisation of the selection (the Solaire page's own
    cards), then the cadastre's users."""
    cards = solar_theme.cards(values, communes, sel, year, ("pv_sites", "pv_energy_mwh", "solar_uptake"))
    cad = cadastre_summary(cadastre, cadastre_year)
    launch = fmt.day(cad["first_day"]) if cad["first_day"] is not None else fmt.MISSING
    help_cad = (f"Utilisateurs du site pma.cadastre-solaire.fr pendant l'année, depuis le lancement du {launch}. "
                "Le rapport d'activité 2023 en compte 2 200 en deux mois. Non ventilé par commune.")
    if cad["partial_previous"]:
        help_cad += f" Pas d'évolution : {cadastre_year - 1} n'est compté qu'à partir du lancement."
    if cad["leap_day_left_out"]:
        help_cad += (f" L'évolution compare les mêmes jours de {cadastre_year} et {cadastre_year - 1} : "
                     "le 29 février n'est pas compté.")
    cards.append(Kpi(
        label="Utilisateurs du cadastre solaire" + (" (tout le PMA)" if sel.filtered else ""),
        value=fmt.number(cad["users"]),
        year=f"{cadastre_year} (évolution hors 29 février)" if cad["leap_day_left_out"] else cadastre_year,
        source=cad["source"], demo=cad["demo"],
        delta=_delta(1 + cad["change"], 1, cadastre_year - 1) if cad["change"] is not None else None,
        good_direction="up", help=help_cad,
    ))
    return cards


# The datasets with an update rhythm behind each section of cards (their freshness is shown under them).
THEME_DATASETS = {"Territoire": ("indicators",), "Solaire": ("solar_production", "cadastre_usage"),
                  "Chaîne des parcs": ("counter_measures",)}


def flags_text(flags: pd.DataFrame, daily: pd.DataFrame, channel_years: pd.DataFrame, year: int) -> str:
    """What the passages card's total holds of the counters' anomaly flags in `year` (the
    /chaine-des-parcs summary, themes.parks.flags_summary, for the same channels), and where they
    are listed: « 41 jours-canaux signalés sur 4 392 (…), inclus dans le total ; … »."""
    text = parks_theme.flags_summary(flags, daily, channel_years, year)
    if text.startswith("aucun"):
        return text + "."
    return text + ", inclus dans le total ; détail et liste sur la page Chaîne des parcs."


def parks_kpis(values: pd.DataFrame, communes: pd.DataFrame, channel_years: pd.DataFrame, indicators: pd.DataFrame,
               year: int | None, sel: Selection) -> list[Kpi]:
    """Counted passages of the selection (the metric layer's figure, as on the Chaîne des parcs
    page, the map and the screen) with the change on the same days of both years
    (themes.parks.constant_perimeter_change)."""
    r = metrics.reading(values, communes, "visits", year, sel.codes(communes))
    change, _ = parks_theme.constant_perimeter_change(channel_years, year)
    end = parks_theme.partial_year_end(channel_years, year)
    card = from_reading(r, help=r.metric.definition + (
        f" L'évolution compare {year} et {year - 1} sur les mêmes jours, ceux que chaque compteur a comptés en entier "
        "les deux années." if end is None else
        f" Année en cours : l'évolution compare les passages du 1er janvier au {fmt.day(end)} aux mêmes jours "
        f"de {year - 1}, ceux que chaque compteur a comptés en entier les deux années.")
        + parks_theme.same_days_text(channel_years, year) + parks_theme.leap_day_note(channel_years, year))
    cards = [Kpi(label="Passages aux compteurs des parcs", value=card.value,
                 year=parks_theme.period_text(channel_years, year),
                 source=card.source, demo=card.demo or not r.items, good_direction="up", help=card.help,
                 coverage=card.coverage,
                 delta=f"{fmt.signed_percent(change)} par rapport à {year - 1} (mêmes jours)"
                 if change is not None else None)]
    suffix = " (tout le PMA)" if sel.filtered else ""
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
            help=f"Événements de {year}{outside} ; source : {s['source']}."),
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


def growth_by_epci(values: pd.DataFrame, communes: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """PV production change of `year` against the year before, per agglomeration, fastest first:
    only the agglomerations whose production is known for the same communes both years."""
    rows = []
    if year is not None:
        for zone in zones(communes, Selection()):
            if zone.kind != "epci":
                continue
            cur = metrics.reading(values, communes, "pv_energy_mwh", year, zone.codes)
            prev = metrics.reading(values, communes, "pv_energy_mwh", year - 1, zone.codes)
            change = metrics.change(cur, prev)
            if change is not None:
                rows.append({"epci": zone.name, "energy_mwh": cur.value, "previous": prev.value, "change": change,
                             "is_demo": cur.demo, "source": cur.source})
    out = pd.DataFrame(rows, columns=["epci", "energy_mwh", "previous", "change", "is_demo", "source"])
    return out.sort_values("change", ascending=False).reset_index(drop=True)


def takeaways(values: pd.DataFrame, communes: pd.DataFrame, visits: pd.DataFrame,
              events: pd.DataFrame, sel: Selection, solar_year: int | None,
              visits_year: int | None, events_year: int | None,
              channel_years: pd.DataFrame | None = None) -> list[Takeaway]:
    """Three or four sentences computed from the data, each with its year and source; each
    states what its figures show (a change of one year, a share of one year), nothing more.
    `channel_years` (visits_channel_years): when `visits_year` is the counters' current,
    incomplete year (themes.parks.partial_year_end, the rule of the parks page), the counters'
    sentence says which days it covers instead of speaking of the year."""
    out: list[Takeaway] = []
    growth = growth_by_epci(values, communes, solar_year)
    if len(growth) >= 2:
        first, others = growth.iloc[0], growth.iloc[1:]
        rest = ", ".join(f"{r.epci} {fmt.signed_percent(r.change)}" for r in others.itertuples())
        out.append(Takeaway(
            f"En {solar_year}, c'est dans l'agglomération {first.epci} que la production photovoltaïque "
            f"a le plus progressé : {fmt.signed_percent(first.change)} par rapport à {solar_year - 1} "
            f"({rest}).",
            solar_year, _sources(growth["source"]), bool(growth["is_demo"].any())))
    uptake = metrics.reading(values, communes, "solar_uptake", solar_year, sel.codes(communes))
    if uptake.value is not None:
        # Production and potential over the communes the ratio covers, so the sentence adds up.
        energy = metrics.reading(values, communes, "pv_energy_mwh", solar_year, uptake.codes)
        potential = metrics.reading(values, communes, "solar_potential_mwh", None, uptake.codes)
        scope = f" ({uptake.coverage})" if uptake.partial else ""
        out.append(Takeaway(
            f"En {solar_year}, les installations photovoltaïques {sel.area_phrase}{scope} ont produit "
            f"{energy.text}, soit {uptake.text} du potentiel annuel de leurs toitures ({potential.text}).",
            solar_year, uptake.source, uptake.demo))
    busy = busiest_month(visits, visits_year)
    if busy is not None:
        end = (parks_theme.partial_year_end(channel_years, visits_year)
               if channel_years is not None else None)
        if end is None:
            share = f", {fmt.percent(busy['share'], 1)} des passages de l'année" if busy["share"] else ""
            out.append(Takeaway(
                f"Aux compteurs de la Chaîne des parcs {sel.area_phrase}, le mois le plus fréquenté de "
                f"{visits_year} a été {busy['name']}, avec {fmt.number(busy['visits'])} passages{share}.",
                visits_year, busy["source"], busy["demo"]))
        else:
            # A partial year is not a year: its busiest month and share are those of the days counted.
            share = (f", {fmt.percent(busy['share'], 1)} des passages comptés depuis le 1er janvier"
                     if busy["share"] else "")
            out.append(Takeaway(
                f"Aux compteurs de la Chaîne des parcs {sel.area_phrase}, du 1er janvier au {fmt.day(end)} "
                f"(année {visits_year} en cours, incomplète), le mois le plus fréquenté a été {busy['name']}, "
                f"avec {fmt.number(busy['visits'])} passages{share}.",
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

def comparison_figure(comp: pd.DataFrame, title: str | None = None) -> go.Figure:
    """One small bar chart per indicator (units differ), one bar per area, the PMA in grey."""
    keys = list(dict.fromkeys(comp["metric"])) if len(comp) else []
    labels = {m: comp.loc[comp["metric"] == m, ["label", "unit"]].iloc[0] for m in keys}
    # The metric's short name: the long labels of the table do not fit above a small chart.
    short = {m: metrics.METRICS[m].short if m in metrics.METRICS else labels[m]["label"] for m in keys}
    fig = make_subplots(rows=1, cols=max(1, len(keys)),
                        subplot_titles=[f"{short[m]}<br><sup>{labels[m]['unit']}</sup>" for m in keys])
    for i, m in enumerate(keys, start=1):
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

