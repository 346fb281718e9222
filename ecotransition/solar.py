"""Solar page: PV uptake per commune, rooftop potential and the solar cadastre.

Functions take the DataFrames of the named queries (solar_uptake, solar_by_year,
cadastre_users, indicators_latest) and return KPI cards, tables and plotly figures.
The uptake ratio of a commune is its PV production of the year divided by the annual
production potential of its rooftops (both in MWh).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import DEMO_SOURCE, REPORT_SOURCE, fmt
from .kpi import Kpi, from_indicator
from .overview import Metric
from .parks import french_date_axis
from .plotting import EPCI_COLORS, PALETTE, style

CADASTRE_LAUNCH = date(2023, 9, 26)  # "Lancement du Cadastre solaire le 26 septembre 2023"
PMA_LABEL = "Pôle métropolitain"

# Measures of the production chart: column -> (French label, unit shown on the axis).
MEASURES = {
    "sites": ("Sites photovoltaïques", "sites"),
    "power_kw": ("Puissance installée", "kWc"),
    "energy_mwh": ("Production annuelle", "MWh"),
}
# Choices of the page's measure control (shown and put in the URL as they are) -> column.
MEASURE_CHOICES = {"Sites": "sites", "Puissance": "power_kw", "Production": "energy_mwh"}


# ------------------------------------------------------------------ formats

def signed(text: str) -> str:
    """st.metric reads the arrow from a leading ASCII '-': babel's '−' would show an up arrow."""
    return text.replace("\u2212", "-", 1) if text.startswith("\u2212") else text


def energy(mwh) -> str:
    """A production or potential in MWh, switching to GWh for large areas."""
    if fmt.is_missing(mwh):
        return fmt.MISSING
    if abs(float(mwh)) >= 10_000:
        return f"{fmt.number(float(mwh) / 1000, 1)}{fmt.NBSP}GWh"
    return f"{fmt.number(mwh)}{fmt.NBSP}MWh"


def power(kw) -> str:
    """An installed power in kWc, switching to MWc for large areas."""
    if fmt.is_missing(kw):
        return fmt.MISSING
    if abs(float(kw)) >= 10_000:
        return f"{fmt.number(float(kw) / 1000, 1)}{fmt.NBSP}MWc"
    return f"{fmt.number(kw)}{fmt.NBSP}kWc"


def points(value, decimals: int = 2) -> str:
    """A change of a ratio, in percentage points: 0.0061 -> '+0,61 pt'."""
    if fmt.is_missing(value):
        return fmt.MISSING
    v = float(value) * 100
    return ("+" if v >= 0 else "-") + fmt.number(abs(v), decimals) + f"{fmt.NBSP}pt"


def _change_text(current, previous, previous_year) -> str | None:
    ch = fmt.change(current, previous)
    if ch is None:
        return None
    return f"{signed(fmt.signed_percent(ch))} par rapport à {int(previous_year)}"


# ------------------------------------------------------------------ selection

def scope(uptake: pd.DataFrame, epci: str | None, commune: str | None) -> pd.DataFrame:
    """The rows of the selected area (commune wins over agglomeration)."""
    if commune:
        return uptake[uptake["commune_code"] == commune]
    if epci:
        return uptake[uptake["epci"] == epci]
    return uptake


def area_label(uptake: pd.DataFrame, epci: str | None, commune: str | None) -> str:
    if commune:
        names = uptake.loc[uptake["commune_code"] == commune, "commune"]
        return f"{names.iloc[0]} ({commune})" if len(names) else commune
    return epci or PMA_LABEL


def years(uptake: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in uptake["year"].dropna().unique())


def resolve_year(available: list[int], requested: int | None) -> int | None:
    """The year asked for, or the latest year with data when none is asked."""
    if requested is not None:
        return int(requested)
    return max(available) if available else None


def totals_by_year(rows: pd.DataFrame) -> pd.DataFrame:
    """Sum of sites, power, production and potential per year; the ratio of the sums.

    min_count=1 keeps a year with no value missing instead of turning it into 0.
    """
    if rows.empty:
        return pd.DataFrame(columns=["year", "sites", "power_kw", "energy_mwh", "potential_mwh",
                                     "population", "uptake", "demo"])
    rows = rows.assign(demo=(rows["production_source"] == DEMO_SOURCE)
                       | (rows["potential_source"] == DEMO_SOURCE))
    g = rows.groupby("year")
    out = pd.DataFrame({
        "sites": g["sites"].sum(min_count=1),
        "power_kw": g["power_kw"].sum(min_count=1),
        "energy_mwh": g["energy_mwh"].sum(min_count=1),
        "potential_mwh": g["potential_mwh"].sum(min_count=1),
        "population": g["population"].sum(min_count=1),
        "demo": g["demo"].any(),
    }).reset_index()
    out["uptake"] = out["energy_mwh"] / out["potential_mwh"].where(out["potential_mwh"] > 0)
    return out


# ------------------------------------------------------------------ KPI cards

def kpis(totals: pd.DataFrame, year: int | None, indicators: pd.DataFrame,
         cadastre: pd.DataFrame, area: str, filtered: bool) -> list[Kpi]:
    """Cards for the selected area and year: sites, power, production, uptake ratio,
    rooftop potential and the solar cadastre."""
    cur = totals[totals["year"] == year]
    prev = totals[totals["year"] == (year - 1 if year is not None else None)]
    c = cur.iloc[0] if len(cur) else None
    p = prev.iloc[0] if len(prev) else None
    src = DEMO_SOURCE
    demo = True if c is None else bool(c["demo"])

    def val(row, col):
        return None if row is None else row[col]

    cards = []
    for col, label, formatter in (("sites", "Sites photovoltaïques", fmt.number),
                                  ("power_kw", "Puissance installée", power),
                                  ("energy_mwh", "Production photovoltaïque", energy)):
        cards.append(Kpi(
            label=label, help=area, value=formatter(val(c, col)), year=year, source=src, demo=demo,
            delta=_change_text(val(c, col), val(p, col), year - 1 if year else None),
            good_direction="up",
        ))
    ratio, prev_ratio = val(c, "uptake"), val(p, "uptake")
    cards.append(Kpi(
        label="Taux de valorisation",
        value=fmt.percent(ratio, 2), year=year, source=src, demo=demo,
        delta=None if fmt.is_missing(ratio) or fmt.is_missing(prev_ratio)
        else f"{points(ratio - prev_ratio)} par rapport à {year - 1}",
        good_direction="up",
        help=f"{area} : production photovoltaïque de l'année ÷ potentiel de production annuel des toitures.",
    ))

    ind = indicators.set_index("id") if "id" in indicators else pd.DataFrame()
    if not filtered and "potentiel_pv_gwh" in ind.index:
        row = ind.loc["potentiel_pv_gwh"].to_dict()
        cards.append(replace(from_indicator(row), label="Potentiel des toitures",
                             help=f"{row['label']} — {row['note']}" if not fmt.is_missing(row.get("note")) else None))
    else:
        cards.append(Kpi(label="Potentiel des toitures", value=energy(val(c, "potential_mwh")),
                         year=year, source=src, demo=True,
                         help=f"{area} : répartition par commune du potentiel de 3 000 GWh publié par le rapport."))
    if "cadastre_utilisateurs" in ind.index:
        row = ind.loc["cadastre_utilisateurs"].to_dict()
        card = from_indicator(row | {"unit": ""})
        cards.append(replace(card, label="Cadastre solaire : 2 mois",
                             help=f"{row['label']} — {row['note']}" if not fmt.is_missing(row.get("note")) else None))
    used = cadastre_totals(cadastre, year)
    cards.append(Kpi(
        label=f"Cadastre solaire : {year}", value=fmt.number(used["users"]), year=year,
        source=used["source"], demo=used["demo"],
        help=f"Utilisateurs comptés en {year}, depuis le lancement du {fmt.day(CADASTRE_LAUNCH)} "
             f"(tout le Pôle métropolitain : le cadastre n'est pas ventilé par commune).",
    ))
    return cards


def cadastre_totals(cadastre: pd.DataFrame, year: int | None) -> dict:
    """Users counted during `year` (missing, not 0, when the year has no row)."""
    d = pd.to_datetime(cadastre["date"])
    rows = cadastre[d.dt.year == year] if year is not None else cadastre
    return {
        "users": rows["users"].sum(min_count=1) if len(rows) else None,
        "source": " ; ".join(sorted(rows["source"].unique())) if len(rows) else DEMO_SOURCE,
        "demo": bool((rows["source"] == DEMO_SOURCE).any()) if len(rows) else True,
    }


# ------------------------------------------------------------------ tables

TABLE_LABELS = {
    "commune": "Commune",
    "commune_code": "Code INSEE",
    "epci": "Agglomération",
    "population": "Habitants",
    "sites": "Sites PV",
    "power_kw": "Puissance (kWc)",
    "energy_mwh": "Production (MWh)",
    "potential_mwh": "Potentiel des toitures (MWh)",
    "uptake": "Taux de valorisation (%)",
    "uptake_previous": "Taux de l'année précédente (%)",
    "uptake_change": "Évolution (points)",
    "kwh_per_inhabitant": "Production par habitant (kWh)",
    "rank": "Rang dans le PMA",
    "source": "Source",
}


def commune_table(uptake: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """One row per commune for `year`: figures, uptake ratio, its change and rank in the PMA.

    Ratios are in percent (3.12 means 3.12 %) so that the exports read the same as the screen.
    """
    cur = uptake[uptake["year"] == year].copy()
    prev = uptake.loc[uptake["year"] == (year - 1 if year is not None else None),
                      ["commune_code", "uptake"]].rename(columns={"uptake": "uptake_previous"})
    cur = cur.merge(prev, on="commune_code", how="left")
    cur["rank"] = cur["uptake"].rank(ascending=False, method="min").astype("Int64")
    cur["uptake_change"] = (cur["uptake"] - cur["uptake_previous"]) * 100
    cur["uptake"] = cur["uptake"] * 100
    cur["uptake_previous"] = cur["uptake_previous"] * 100
    cur["kwh_per_inhabitant"] = cur["energy_mwh"] * 1000 / cur["population"].where(cur["population"] > 0)
    cur["source"] = cur["production_source"]
    cols = [c for c in TABLE_LABELS if c in cur.columns]
    return cur[cols].sort_values("uptake", ascending=False, na_position="last").reset_index(drop=True)


def rank_sentence(table: pd.DataFrame, commune: str, year: int | None) -> str:
    """Where the selected commune stands in the PMA for the uptake ratio."""
    row = table[table["commune_code"] == commune]
    if row.empty or fmt.is_missing(row["rank"].iloc[0]):
        return f"Taux de valorisation {year} non disponible pour cette commune."
    r = row.iloc[0]
    ranked = int(table["uptake"].notna().sum())
    return (f"{r['commune']} : {fmt.percent(r['uptake'] / 100, 2)} en {year}, "
            f"{int(r['rank'])}{'re' if int(r['rank']) == 1 else 'e'} commune sur {ranked} du Pôle métropolitain "
            f"(en noir sur le graphique quand elle figure parmi les plus élevés ou les plus faibles).")


def _ratio(num, den, factor: float = 1.0):
    if fmt.is_missing(num) or fmt.is_missing(den) or not den:
        return None
    return float(num) / float(den) * factor


def comparison(uptake: pd.DataFrame, year: int | None, epci: str | None, commune: str | None) -> pd.DataFrame:
    """The selected area against the whole PMA for `year`, per inhabitant (and the uptake ratio).

    Columns: indicator (French label), area, pma, gap (area ÷ pma − 1, None when not computable).
    """
    rows = uptake[uptake["year"] == year]

    def figures(d: pd.DataFrame) -> dict:
        total = {c: d[c].sum(min_count=1) for c in ("sites", "power_kw", "energy_mwh", "potential_mwh", "population")}
        return {
            "Sites PV pour 1 000 habitants": _ratio(total["sites"], total["population"], 1000),
            "Puissance installée par habitant (W)": _ratio(total["power_kw"], total["population"], 1000),
            "Production par habitant (kWh)": _ratio(total["energy_mwh"], total["population"], 1000),
            "Taux de valorisation du potentiel (%)": _ratio(total["energy_mwh"], total["potential_mwh"], 100),
        }

    a, b = figures(scope(rows, epci, commune)), figures(rows)
    out = pd.DataFrame({"indicator": list(a), "area": list(a.values()), "pma": list(b.values())})
    out["gap"] = [None if (r := _ratio(x, y)) is None else r - 1 for x, y in zip(out["area"], out["pma"])]
    return out


COMPARISON_UNITS = {
    "Sites PV pour 1 000 habitants": ("", 1),
    "Puissance installée par habitant (W)": ("W", 0),
    "Production par habitant (kWh)": ("kWh", 0),
    "Taux de valorisation du potentiel (%)": ("%", 2),
}


# The per-inhabitant comparison block uses the overview page's shared functions.
COMPARISON_METRICS = (
    Metric("sites", "Sites photovoltaïques", "sites pour 1 000 habitants", 1000, 1, "is_demo"),
    Metric("power_kw", "Puissance installée", "W par habitant", 1000, 0, "is_demo"),
    Metric("energy_mwh", "Production photovoltaïque", "kWh par habitant", 1000, 0, "is_demo"),
)


def comparison_frame(uptake: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """One row per commune for `year`, in the shape overview.per_inhabitant expects."""
    rows = uptake[uptake["year"] == year]
    return rows.assign(is_demo=(rows["production_source"] == DEMO_SOURCE)).reset_index(drop=True)


def comparison_kpis(comp: pd.DataFrame, area: str, year: int | None) -> list[Kpi]:
    """Cards for the comparison block: the area's value, its gap to the PMA in the delta line."""
    cards = []
    for row in comp.itertuples():
        unit, decimals = COMPARISON_UNITS.get(row.indicator, ("", 1))
        text = (lambda v: fmt.percent(v / 100, decimals) if unit == "%"
                else fmt.number(v, decimals) + (f"{fmt.NBSP}{unit}" if unit and not fmt.is_missing(v) else ""))
        delta = None if fmt.is_missing(row.gap) else (
            f"{signed(fmt.signed_percent(row.gap))} par rapport au PMA ({text(row.pma)})")
        cards.append(Kpi(label=row.indicator.split(" (")[0], help=area, value=text(row.area), year=year,
                         source=DEMO_SOURCE, demo=True, delta=delta, good_direction="up"))
    return cards


def reported_cadastre_users(indicators: pd.DataFrame):
    """The report's count of cadastre users two months after the launch, or None."""
    value = indicators.loc[indicators["id"] == "cadastre_utilisateurs", "value"] if "id" in indicators else []
    return value.iloc[0] if len(value) else None


def uptake_comparison_kpis(uptake: pd.DataFrame, year: int | None, epci: str | None, commune: str | None,
                           area: str) -> list[Kpi]:
    """The uptake ratio of the selection against the PMA's (a ratio of sums, not per inhabitant)."""
    comp = comparison(uptake, year, epci, commune)
    return comparison_kpis(comp[comp["indicator"] == "Taux de valorisation du potentiel (%)"], area, year)


def dataset_notes(uptake: pd.DataFrame, cadastre: pd.DataFrame) -> list[dict]:
    """The per-dataset notes of the page: source, vintage, update rhythm, caveats."""
    ys = years(uptake)
    span = f"{ys[0]} à {ys[-1]}" if ys else fmt.MISSING
    dates = pd.to_datetime(cadastre["date"]) if len(cadastre) else pd.Series([], dtype="datetime64[ns]")
    cad_span = f"du {fmt.day(dates.min())} au {fmt.day(dates.max())}" if len(dates) else fmt.MISSING

    def sources(*cols) -> str:
        vals = set()
        for frame, col in cols:
            vals |= set(frame[col].dropna().unique())
        return " ; ".join(sorted(vals)) or fmt.MISSING

    return [
        dict(title="Production photovoltaïque par commune",
             source=sources((uptake, "production_source")) + " (format attendu : Enedis, production électrique "
             "par filière à la maille commune, ou registre ODRÉ des installations)",
             vintage=span, rhythm="annuelle (Enedis publie l'année N au cours de l'année N+1)",
             caveats="séries de démonstration générées : le rapport d'activité 2023 ne donne pas de chiffres "
                     "par commune ; à remplacer par l'import des fichiers Enedis."),
        dict(title="Potentiel des toitures",
             source=sources((uptake, "potential_source")) + f" ; total de 3 000 GWh : {REPORT_SOURCE}",
             vintage="2023 (cadastre solaire mis à jour en septembre 2023)",
             rhythm="à chaque mise à jour du cadastre solaire",
             caveats="la répartition par commune est une démonstration qui respecte le total publié ; "
                     "le taux de valorisation compare une production réelle à un potentiel théorique "
                     "(toutes les toitures équipées)."),
        dict(title="Utilisateurs du cadastre solaire",
             source=sources((cadastre, "source")) + f" ; 2 200 utilisateurs en deux mois : {REPORT_SOURCE}",
             vintage=cad_span, rhythm="quotidienne (statistiques de fréquentation du site pma.cadastre-solaire.fr)",
             caveats="comptage quotidien de démonstration, calé sur les 2 200 utilisateurs des deux mois "
                     "suivant le lancement du 26 septembre 2023 ; non ventilé par commune."),
    ]


# ------------------------------------------------------------------ figures

def production_figure(by_year: pd.DataFrame, measure: str, year: int | None) -> go.Figure:
    """Stacked bars of sites, power or production per year and agglomeration; the selected year outlined."""
    label, unit = MEASURES[measure]
    fig = go.Figure()
    for epci, d in by_year.groupby("epci", sort=True):
        fig.add_bar(
            x=d["year"], y=d[measure], name=epci, marker_color=EPCI_COLORS.get(epci),
            hovertemplate=f"%{{x}} · {epci}<br>{label} : %{{y:,.0f}} {unit}<extra></extra>",
        )
    fig.update_layout(barmode="stack", xaxis=dict(title="Année", dtick=1), yaxis=dict(title=f"{label} ({unit})",
                                                                                       tickformat=",d"))
    if year is not None and year in set(by_year["year"]):
        fig.add_vrect(x0=year - 0.5, x1=year + 0.5, line_width=2, line_color="#000000",
                      fillcolor="rgba(0,0,0,0)", layer="above")
    demo = bool(by_year["is_demo"].any()) if "is_demo" in by_year else False
    return style(fig, f"{label} par année et par agglomération", demo=demo)


def top_bottom_figure(table: pd.DataFrame, n: int = 10, highlight: str | None = None,
                      scope_label: str = PMA_LABEL, year: int | None = None) -> go.Figure:
    """The n communes with the highest and the n with the lowest uptake ratio, side by side."""
    ranked = table.dropna(subset=["uptake"]).sort_values("uptake", ascending=False)
    top = ranked.head(n).iloc[::-1]
    bottom = ranked.tail(n).sort_values("uptake", ascending=False)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.25,
                        subplot_titles=(f"Les {len(top)} plus élevés", f"Les {len(bottom)} plus faibles"))
    for col, d, color in ((1, top, PALETTE[2]), (2, bottom, PALETTE[3])):
        colors = ["#000000" if c == highlight else color for c in d["commune_code"]]
        fig.add_bar(
            x=d["uptake"], y=d["commune"], orientation="h", marker_color=colors, showlegend=False,
            customdata=d[["epci", "energy_mwh", "potential_mwh"]].to_numpy(),
            hovertemplate="%{y} (%{customdata[0]})<br>Taux : %{x:.2f} %<br>"
                          "Production : %{customdata[1]:,.0f} MWh<br>"
                          "Potentiel : %{customdata[2]:,.0f} MWh<extra></extra>",
            row=1, col=col,
        )
        fig.update_xaxes(title_text="Taux de valorisation (%)", row=1, col=col)
    demo = bool((table["source"] == DEMO_SOURCE).any()) if "source" in table else True
    title = f"Taux de valorisation du potentiel des toitures, {year} — {scope_label}"
    return style(fig, title, demo=demo, height=max(380, 34 * n + 120))


def uptake_trend_figure(uptake: pd.DataFrame, epci: str | None, commune: str | None) -> go.Figure:
    """The uptake ratio per year for the PMA, each agglomeration and the selected commune."""
    fig = go.Figure()
    series = [(PMA_LABEL, uptake, "#000000", "solid", 3)]
    for e in sorted(uptake["epci"].dropna().unique()):
        width = 4 if e == epci else 2
        series.append((e, uptake[uptake["epci"] == e], EPCI_COLORS.get(e), "dot" if epci and e != epci else "solid", width))
    if commune:
        rows = uptake[uptake["commune_code"] == commune]
        if len(rows):
            series.append((f"{rows['commune'].iloc[0]} ({commune})", rows, PALETTE[4], "solid", 4))
    for name, rows, color, dash, width in series:
        t = totals_by_year(rows)
        fig.add_scatter(
            x=t["year"], y=t["uptake"] * 100, name=name, mode="lines+markers", connectgaps=False,
            line=dict(color=color, dash=dash, width=width),
            hovertemplate=f"{name}<br>%{{x}} : %{{y:.2f}} %<extra></extra>",
        )
    fig.update_layout(xaxis=dict(title="Année", dtick=1), yaxis_title="Taux de valorisation (%)")
    demo_flag = bool(((uptake["production_source"] == DEMO_SOURCE) | (uptake["potential_source"] == DEMO_SOURCE)).any())
    style(fig, "Évolution du taux de valorisation", demo=demo_flag)
    # Legend under the plot: above it, several entries collide with the title in a half-width column.
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0))
    return fig


def cadastre_weekly(cadastre: pd.DataFrame) -> pd.DataFrame:
    """Users per week (weeks starting on Monday) and the running total since the launch."""
    d = cadastre.assign(date=pd.to_datetime(cadastre["date"]))
    weekly = (d.set_index("date")["users"].resample("W-MON", label="left", closed="left")
              .sum(min_count=1).rename("users").reset_index().rename(columns={"date": "week"}))
    weekly["cumulative"] = weekly["users"].fillna(0).cumsum().where(weekly["users"].notna())
    return weekly


def cadastre_figure(cadastre: pd.DataFrame, reported_users=None) -> go.Figure:
    """Weekly users of the cadastre, their running total, the launch day and, when given,
    the report's count of users two months after the launch (a point on the running total)."""
    weekly = cadastre_weekly(cadastre)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=weekly["week"], y=weekly["users"], name="Utilisateurs par semaine",
                marker_color=PALETTE[0],
                hovertemplate="Semaine du %{x|%d/%m/%Y} : %{y:,.0f} utilisateurs<extra></extra>")
    fig.add_scatter(x=weekly["week"], y=weekly["cumulative"], name="Cumul depuis le lancement",
                    mode="lines", line=dict(color=PALETTE[1], width=3), connectgaps=False,
                    hovertemplate="Cumul au %{x|%d/%m/%Y} : %{y:,.0f}<extra></extra>", secondary_y=True)
    launch = pd.Timestamp(CADASTRE_LAUNCH)
    fig.add_shape(type="line", x0=launch, x1=launch, y0=0, y1=1, yref="paper",
                  line=dict(color="#000000", dash="dash"))
    fig.add_annotation(x=launch, y=1, yref="paper", text=f"Lancement : {fmt.day(CADASTRE_LAUNCH)}",
                       showarrow=False, xanchor="left", yanchor="top", bgcolor="rgba(255,255,255,0.8)")
    if not fmt.is_missing(reported_users):
        n = fmt.number(reported_users)
        fig.add_scatter(
            x=[launch + pd.DateOffset(months=2)], y=[float(reported_users)], mode="markers+text",
            name=f"Rapport : {n} utilisateurs en deux mois", text=[f"{n} (rapport)"],
            textposition="top left", marker=dict(symbol="star", size=14, color=PALETTE[3]),
            hovertemplate=f"{REPORT_SOURCE} : {n} utilisateurs deux mois après le lancement<extra></extra>",
            secondary_y=True)
    fig.update_yaxes(title_text="Utilisateurs par semaine", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text="Cumul", secondary_y=True, rangemode="tozero", showgrid=False)
    fig.update_xaxes(title_text="Semaine")
    fig.update_yaxes(tickformat=",d")
    if len(weekly):
        french_date_axis(fig, weekly["week"].min(), weekly["week"].max())
    demo = bool((cadastre["source"] == DEMO_SOURCE).any())
    return style(fig, "Utilisateurs du cadastre solaire", demo=demo)
