"""One builder per slide: query results (the metric layer's figures) to a Slide whose sentence
states only what its figures show.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Callable

import pandas as pd

from ecotransition.core import clock, fmt, metrics, trajectory
from ecotransition.core.labels import DEMO_MARK, DEMO_SOURCE
from ecotransition.data import freshness as data_freshness
from ecotransition.surfaces.screen.charts import complete_years, solar_map, visits_chart
from ecotransition.surfaces.screen.model import PALETTES, SLIDES, Figure, Item, Palette, Slide
from ecotransition.surfaces.screen.rotation import Settings
from ecotransition.themes import events as events_theme
from ecotransition.themes.parks import constant_perimeter_change, leap_day_left_out

# Short labels for the room; the value carries the number, the label the unit.
_INDICATOR_LABELS = {
    "population": "habitants",
    "emplois_prives": "emplois privés",
    "entreprises": "entreprises",
    "parcs_ha": "hectares de parcs",
    "voies_vertes_km": "km de voies vertes relient les parcs",
    "potentiel_pv_gwh": "GWh/an : potentiel solaire des toits",
    "investissements_industriels_eur": "d'investissements industriels privés depuis 2020",
    "emplois_annonces": "nouveaux emplois annoncés",
    "acc_collaborateurs": "salariés à la gigafactory ACC",
}


def _year(value) -> str:
    return "année n.d." if fmt.is_missing(value) else str(int(value))


def indicator_figure(indicators: pd.DataFrame, indicator_id: str, label: str | None = None) -> Figure | None:
    """The figure of one indicator (latest year), or None when the indicator is absent."""
    rows = indicators.loc[indicators["id"] == indicator_id]
    if rows.empty:
        return None
    row = rows.sort_values("year").iloc[-1]
    value = fmt.euros(row["value"]) if row["unit"] == "€" else fmt.number(row["value"])
    text = label or _INDICATOR_LABELS.get(indicator_id) or str(row["label"])
    if indicator_id == "emplois_annonces" and not fmt.is_missing(row.get("target_year")):
        text = f"{text} d'ici {int(row['target_year'])}"
    traj = trajectory.from_row(row)
    if traj is not None and not fmt.is_missing(row["value"]) and not fmt.is_missing(row["year"]):
        status = traj.status(int(row["year"]), float(row["value"]))
        text = f"{text}, {traj.status_text(status, row['unit'])}"
    return Figure(value=value, label=text, year=_year(row["year"]), source=str(row["source"]),
                  demo=row["source"] == DEMO_SOURCE)


def _figures(indicators: pd.DataFrame, ids) -> tuple[Figure, ...]:
    return tuple(f for f in (indicator_figure(indicators, i) for i in ids) if f is not None)


def chiffres(indicators: pd.DataFrame) -> Slide:
    figures = _figures(indicators, ("population", "emplois_prives", "entreprises", "parcs_ha"))
    return Slide("chiffres", SLIDES["chiffres"], "Trois agglomérations unies pour réussir l'écotransition.",
                 figures)


def solaire(values: pd.DataFrame, communes: pd.DataFrame, indicators: pd.DataFrame, palette: Palette) -> Slide:
    """PV sites of the latest year, their one-year change and the taux de valorisation: the
    metric layer's figures, as on the overview and /solaire; the sentence says only that."""
    year = metrics.default_year(values, "pv_sites")
    figures, message, chart, demo = [], "", None, False
    if year is not None:
        sites = metrics.reading(values, communes, "pv_sites", year)
        before = metrics.reading(values, communes, "pv_sites", year - 1)
        uptake = metrics.reading(values, communes, "solar_uptake", year)
        demo = sites.demo
        figures.append(_reading_figure(sites, "installations photovoltaïques"))
        growth = metrics.change(sites, before)
        if growth is not None:
            figures.append(Figure(fmt.signed_percent(growth), f"d'installations en un an ({year - 1}-{year})",
                                  str(year), sites.source, sites.demo))
            message = (f"{fmt.signed_percent(growth)} d'installations photovoltaïques en {year} "
                       f"par rapport à {year - 1}.")
        if uptake.value is not None:
            message += f" Les toits ont produit {uptake.text} de leur potentiel annuel en {year}."
        rate = metrics.per_commune(values, communes, "pv_sites_per_1000", year)["value"]
        if rate.notna().any():
            chart = solar_map(communes, rate, palette)
    potential = indicator_figure(indicators, "potentiel_pv_gwh")
    if potential:
        figures.append(potential)
    return Slide("solaire", SLIDES["solaire"], message.strip() or "Le potentiel solaire des toits du territoire.",
                 tuple(figures), chart,
                 chart_alt=f"Carte des communes : installations photovoltaïques pour 1 000 habitants en {year}"
                           + (f" ({DEMO_MARK})" if demo else ""),
                 chart_demo=demo and chart is not None)


def _reading_figure(r: metrics.Reading, label: str) -> Figure:
    """A slide figure from the metric layer; a partial figure says its coverage in its label."""
    return Figure(r.text, label + (f" ({r.coverage})" if r.partial else ""), _year(r.year), r.source, r.demo)


def parcs(values: pd.DataFrame, communes: pd.DataFrame, visits: pd.DataFrame, channel_years: pd.DataFrame,
          indicators: pd.DataFrame, palette: Palette) -> Slide:
    """Counted passages of the last complete year (the metric layer's figure) and its change on
    the same counters; the chart shows the complete years by mode."""
    figures, chart = [], None
    demo = bool(visits["is_demo"].fillna(False).any()) if len(visits) else False
    message = "Des parcs reliés par des voies vertes : un réseau unique en Europe."
    year = metrics.default_year(values, "visits")
    if year is not None:
        cur = metrics.reading(values, communes, "visits", year)
        figures.append(_reading_figure(cur, "passages comptés dans les parcs"))
        ch, _ = constant_perimeter_change(channel_years, year)
        if ch is not None:
            figures.append(Figure(fmt.signed_percent(ch), f"de passages par rapport à {year - 1}",
                                  str(year), cur.source, cur.demo))
            # Only what the figures say: one year against the one before, on the same days (a card's
            # label has no room for it: the heading's line says it).
            leap = " (mêmes jours, hors 29 février)" if leap_day_left_out(channel_years, year) else ""
            message = f"{fmt.signed_percent(ch)} de passages en {year} par rapport à {year - 1}{leap}."
        full = complete_years(visits)
        chart = visits_chart(visits.loc[visits["year"].isin(full.loc[full["complete"], "year"])], palette)
    green = indicator_figure(indicators, "voies_vertes_km")
    if green:
        figures.append(green)
    return Slide("parcs", SLIDES["parcs"], message, tuple(figures), chart,
                 chart_alt="Passages comptés par année, piétons et vélos" + (f" ({DEMO_MARK})" if demo else ""),
                 chart_demo=demo and chart is not None)


_as_date = data_freshness.as_date


def day(value) -> str:
    """'3 juillet 2024', with the French '1er' for the first of the month."""
    d = _as_date(value)
    if d is None:
        return fmt.MISSING
    text = fmt.day(d)
    return "1er" + text[1:] if d.day == 1 and not text.startswith("1er") else text


def date_range(start, end=None) -> str:
    """'30 juin 2023', '26–27 août 2023', '1er juillet – 31 août 2023'."""
    s, e = _as_date(start), _as_date(end)
    if s is None:
        return fmt.MISSING
    if e is None or e <= s:
        return day(s)
    if (s.year, s.month) == (e.year, e.month):
        first = "1er" if s.day == 1 else str(s.day)
        return f"{first}–{day(e)}"
    if s.year == e.year:
        return f"{day(s).rsplit(' ', 1)[0]} – {day(e)}"
    return f"{day(s)} – {day(e)}"


def evenements(events: pd.DataFrame, today: date, limit: int = 4) -> Slide:
    """The next events first (starting on or after `today`: themes.events.starts_ahead, the
    page's « Prochain événement » rule); when none is announced, the most recent ones, said so,
    an event under way saying until when."""
    ev = events.copy()
    ev["start"] = [_as_date(v) for v in ev["start_date"]]
    ev["end"] = [_as_date(v) or s for v, s in zip(ev["end_date"], ev["start"])]
    ahead = events_theme.starts_ahead(ev["start"], today) if len(ev) else ev["start"].astype(bool)
    upcoming = ev.loc[ahead].sort_values(["start", "title"])
    if len(upcoming):
        chosen, title = upcoming.head(limit), "Prochains événements"
        message = "À vos agendas : les prochains rendez-vous de l'écotransition en Artois."
    else:
        chosen = ev.loc[~ahead].sort_values(["start", "title"], ascending=[False, True]).head(limit)
        title = "Derniers événements"
        message = ("Aucun événement à venir n'est encore annoncé : voici les plus récents."
                   if len(chosen) else "Aucun événement n'est encore enregistré.")
    items = []
    for row in chosen.itertuples():
        place = row.place if not fmt.is_missing(row.place) else (
            row.commune if "commune" in chosen and not fmt.is_missing(row.commune) else "")
        detail = str(place)
        if row.start < today <= row.end:
            detail += (" · " if detail else "") + f"en cours jusqu'au {day(row.end)}"
        if not fmt.is_missing(row.participants):
            detail += (" · " if detail else "") + f"{fmt.number(row.participants)} participants"
        items.append(Item(date_range(row.start, row.end), str(row.title), detail))
    sources = tuple(dict.fromkeys(chosen["source"].dropna())) if len(chosen) else ()
    return Slide("evenements", title, message, items=tuple(items), item_sources=sources)


def investissements(indicators: pd.DataFrame, investments: pd.DataFrame, limit: int = 4) -> Slide:
    figures = _figures(indicators, ("investissements_industriels_eur", "emplois_annonces", "acc_collaborateurs"))
    real = investments.loc[investments["source"] != DEMO_SOURCE].copy()
    real = real.sort_values(["jobs", "announced_year", "name"], ascending=[False, False, True],
                            na_position="last").head(limit)
    items = []
    for row in real.itertuples():
        detail = " · ".join(str(x) for x in (row.commune, row.status) if not fmt.is_missing(x))
        if not fmt.is_missing(row.jobs):
            detail += f" · {fmt.number(row.jobs)} emplois"
        items.append(Item("", str(row.name), detail))
    message = "Batteries, énergie, industrie : des projets qui créent des emplois."
    return Slide("investissements", SLIDES["investissements"], message, figures, items=tuple(items),
                 item_sources=tuple(dict.fromkeys(real["source"].dropna())))


def unavailable(name: str) -> Slide:
    """What a slide shows when its data never loaded: a calm sentence, no error box."""
    return Slide(name, SLIDES.get(name, name), "Les chiffres de cette diapositive arrivent dans un instant.",
                 available=False)


# Which named queries each slide reads: {argument: (query, parameters)}.
QUERIES: dict[str, dict[str, tuple[str, dict]]] = {
    "chiffres": {"indicators": ("indicators_latest", {"theme": None})},
    "solaire": {"values": ("metrics_solar", {}), "communes": ("communes_geo", {}),
                "indicators": ("indicators_latest", {"theme": None})},
    "parcs": {"values": ("metrics_visits", {}), "communes": ("communes_geo", {}),
              "visits": ("screen_visits_yearly", {}),
              "channel_years": ("visits_channel_years", {"epci": None, "commune": None}), "indicators": ("indicators_latest", {"theme": None})},
    "evenements": {"events": ("events_list", {"annee": None})},
    "investissements": {"indicators": ("indicators_latest", {"theme": None}),
                        "investments": ("investments_list", {"epci": None, "commune": None})},
}


Fetch = Callable[..., pd.DataFrame]

# A slide's date is the period of the figures it shows. The slides of one metric-layer year (the
# year rule of its figures: for the counters the last year counted to 31 December, not the last
# day counted) are dated 31 December of that year: slide -> (query, metric).
SLIDE_METRICS = {"solaire": ("metrics_solar", "pv_sites"), "parcs": ("metrics_visits", "visits")}
# The report's indicators: the last day their dataset describes (queries/dataset_dates.sql); the
# events slide is dated by the events it lists.
SLIDE_DATASETS = {"chiffres": "indicators", "investissements": "indicators"}
# Shown instead of the show when every slide's data are too old.
NO_RECENT = "a-jour"


def slide_date(name: str, fetch: Fetch, today: date) -> date | None:
    """The last day of the period the figures of slide `name` describe (SLIDE_METRICS,
    SLIDE_DATASETS). The events slide: None while it lists events to come (the agenda is
    current), else the last day of the most recent event. The slide saying the figures are
    being updated shows none: it has no figures."""
    if name == "evenements":
        ev = fetch("events_list", annee=None)
        ends = [_as_date(e) or _as_date(s) for s, e in zip(ev["start_date"], ev["end_date"])]
        ends = [d for d in ends if d is not None]
        if not ends or any(d >= today for d in ends):
            return None
        return max(ends)
    if name in SLIDE_METRICS:
        query, metric = SLIDE_METRICS[name]
        year = metrics.default_year(fetch(query), metric)
        return None if year is None else date(int(year), 12, 31)
    dataset = SLIDE_DATASETS.get(name)
    if dataset is None:
        return None
    dates = fetch("dataset_dates")
    rows = dates.loc[dates["dataset"] == dataset, "data_date"]
    return _as_date(rows.iloc[0]) if len(rows) else None


def slide_dates(fetch: Fetch, names, today: date) -> dict[str, date | None]:
    return {n: slide_date(n, fetch, today) for n in names}


def too_old(data_date: date | None, today: date, max_age_months: int) -> bool:
    """Whether data ending on `data_date` are older than the screen's limit (no date: not old)."""
    age = data_freshness.months_old(data_date, today)
    return age is not None and age >= max_age_months


def fresh_settings(config: Settings, dates: dict[str, date | None], today: date) -> Settings:
    """`config` without the slides whose data are too old (config.max_age_months); when none is
    left, the one slide saying the figures are being updated."""
    kept = tuple(n for n in config.slides if not too_old(dates.get(n), today, config.max_age_months))
    return replace(config, slides=kept or (NO_RECENT,))


def no_recent() -> Slide:
    return Slide(NO_RECENT, "Écotransition Artois", "Les chiffres de l'écran sont en cours de mise à jour : "
                 "retrouvez-les sur le tableau de bord avec le QR code.")


def build(name: str, fetch: Fetch, theme: str = "sombre", today: date | None = None) -> Slide:
    """Slide `name` from the query results `fetch(query, **params)` returns, with its own date."""
    if name == NO_RECENT:
        return no_recent()
    today = today or clock.today()
    frames = {arg: fetch(query, **params) for arg, (query, params) in QUERIES[name].items()}
    palette = PALETTES[theme]
    if name == "chiffres":
        slide = chiffres(**frames)
    elif name == "solaire":
        slide = solaire(**frames, palette=palette)
    elif name == "parcs":
        slide = parcs(**frames, palette=palette)
    elif name == "evenements":
        slide = evenements(**frames, today=today)
    elif name == "investissements":
        slide = investissements(**frames)
    else:
        raise KeyError(name)
    data_date = slide_date(name, fetch, today)
    # Events to come (no data date: the agenda is current) are listed as of the app's day.
    agenda = today if name == "evenements" and data_date is None and slide.items else None
    return replace(slide, data_date=data_date, agenda_date=agenda)
