"""Solar theme: PV uptake per commune, rooftop potential and the solar cadastre.

Figures come from the metric layer (ecotransition.core.metrics over the metrics_solar
query): sites, power, production, rooftop potential and the taux de valorisation (PV
production of the year ÷ annual production potential of the rooftops, both in MWh, over the
communes where both are known). The cadastre's users come from cadastre_users. Functions
return KPI cards, tables and plotly figures; nothing here touches Streamlit.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ecotransition.core import fmt, metrics
from ecotransition.core.kpi import Kpi, from_indicator, from_reading
from ecotransition.core.labels import DEMO_SOURCE, PMA_LABEL, REPORT_SOURCE
from ecotransition.core.plotting import EPCI_COLORS, PALETTE, french_date_axis, style
from ecotransition.core.selection import Selection, zones

CADASTRE_LAUNCH = date(2023, 9, 26)  # "Lancement du Cadastre solaire le 26 septembre 2023"

# Measures of the production chart: column -> (French label, unit shown on the axis).
MEASURES = {
    "sites": ("Sites photovoltaïques", "sites"),
    "power_kw": ("Puissance installée", "kWc"),
    "energy_mwh": ("Production annuelle", "MWh"),
}
# Choices of the page's measure control (shown and put in the URL as they are) -> column.
MEASURE_CHOICES = {"Sites": "sites", "Puissance": "power_kw", "Production": "energy_mwh"}


# ------------------------------------------------------------------ KPI cards

CARD_METRICS = ("pv_sites", "pv_power_kw", "pv_energy_mwh", "solar_uptake")


def cards(values: pd.DataFrame, communes: pd.DataFrame, sel: Selection, year: int | None,
          keys=CARD_METRICS) -> list[Kpi]:
    """Cards of the selection for `year`, with the change against the year before: the same
    definitions as the overview, the map and the forum screen."""
    codes = sel.codes(communes)
    out = []
    for key in keys:
        cur = metrics.reading(values, communes, key, year, codes)
        prev = metrics.reading(values, communes, key, year - 1, codes) if year is not None else None
        help_text = f"{sel.label} : {cur.metric.definition}"
        out.append(from_reading(cur, prev, help=help_text))
    return out


def kpis(values: pd.DataFrame, communes: pd.DataFrame, sel: Selection, year: int | None,
         indicators: pd.DataFrame, cadastre: pd.DataFrame) -> list[Kpi]:
    """The page's cards: sites, power, production, taux de valorisation, rooftop potential and
    the solar cadastre."""
    out = cards(values, communes, sel, year)
    ind = indicators.set_index("id") if "id" in indicators else pd.DataFrame()
    if not sel.filtered and "potentiel_pv_gwh" in ind.index:
        row = ind.loc["potentiel_pv_gwh"].to_dict()
        card = from_indicator(row)
        out.append(Kpi(label="Potentiel des toitures", value=card.value, year=card.year, source=card.source,
                       demo=card.demo, datasets=card.datasets, help=f"{row['label']} — {row['note']}"
                       if not fmt.is_missing(row.get("note")) else None))
    else:
        pot = metrics.reading(values, communes, "solar_potential_mwh", None, sel.codes(communes))
        out.append(from_reading(pot, help=f"{sel.label} : répartition par commune du potentiel de 3 000 GWh "
                                          "publié par le rapport."))
    if "cadastre_utilisateurs" in ind.index:
        row = ind.loc["cadastre_utilisateurs"].to_dict()
        card = from_indicator(row | {"unit": ""})
        out.append(Kpi(label="Cadastre solaire : 2 mois", value=card.value, year=card.year, source=card.source,
                       demo=card.demo, datasets=card.datasets, help=f"{row['label']} — {row['note']}"
                       if not fmt.is_missing(row.get("note")) else None))
    used = cadastre_totals(cadastre, year)
    out.append(Kpi(
        label=f"Cadastre solaire : {year}", value=fmt.number(used["users"]), year=year,
        source=used["source"], demo=used["demo"],
        help=f"Utilisateurs comptés en {year}, depuis le lancement du {fmt.day(CADASTRE_LAUNCH)} "
             f"(tout le Pôle métropolitain : le cadastre n'est pas ventilé par commune).",
    ))
    return out


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


TABLE_METRICS = {"sites": "pv_sites", "power_kw": "pv_power_kw", "energy_mwh": "pv_energy_mwh",
                 "potential_mwh": "solar_potential_mwh", "uptake": "solar_uptake",
                 "kwh_per_inhabitant": "pv_kwh_per_inhabitant"}


def of_epci(table: pd.DataFrame, epci: str | None) -> pd.DataFrame:
    """The rows of `commune_table` in the agglomeration `epci` (every row when None)."""
    return table[table["epci"] == epci] if epci else table


def of_selection(table: pd.DataFrame, communes: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """The rows of `commune_table` for the communes of the selection."""
    return table[table["commune_code"].isin(sel.codes(communes))]


def commune_table(values: pd.DataFrame, communes: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """One row per commune of `communes` for `year`: figures, taux de valorisation, its change
    and rank in the PMA (communes without data last, with n.d.), from the metric layer.

    Ratios are in percent (3.12 means 3.12 %) so that the exports read the same as the screen.
    """
    out = pd.DataFrame({"commune": communes["name"].to_numpy(), "commune_code": communes["code"].to_numpy(),
                        "epci": communes["epci"].to_numpy(), "population": communes["population"].to_numpy()})
    out = out.set_index("commune_code", drop=False)
    for col, key in TABLE_METRICS.items():
        out[col] = metrics.per_commune(values, communes, key, year)["value"]
    prev = metrics.per_commune(values, communes, "solar_uptake", year - 1 if year is not None else None)["value"]
    out["uptake_previous"] = prev * 100
    out["uptake"] = out["uptake"] * 100
    out["uptake_change"] = out["uptake"] - out["uptake_previous"]
    out["rank"] = out["uptake"].rank(ascending=False, method="min").astype("Int64")
    out["source"] = metrics.per_commune(values, communes, "pv_sites", year)["source"].replace("", fmt.MISSING)
    cols = [c for c in TABLE_LABELS if c in out.columns]
    return out[cols].sort_values("uptake", ascending=False, na_position="last").reset_index(drop=True)


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


def comparison_kpis(values: pd.DataFrame, communes: pd.DataFrame, sel: Selection, year: int | None) -> list[Kpi]:
    """The taux de valorisation of the selection, with its gap to the PMA's on the change line."""
    cur = metrics.reading(values, communes, "solar_uptake", year, sel.codes(communes))
    pma = metrics.reading(values, communes, "solar_uptake", year)
    card = from_reading(cur, label="Taux de valorisation face au PMA", help=f"{sel.label} : {cur.metric.definition}")
    if fmt.is_missing(cur.value) or fmt.is_missing(pma.value) or not pma.value:
        return [card]
    gap = cur.value / pma.value - 1
    return [Kpi(label="Taux de valorisation face au PMA", value=card.value, year=card.year, source=card.source, demo=card.demo,
                delta=f"{fmt.signed_percent(gap)} par rapport au PMA ({pma.text})", good_direction="up",
                help=card.help, coverage=card.coverage)]


def reported_cadastre_users(indicators: pd.DataFrame):
    """The report's count of cadastre users two months after the launch, or None."""
    value = indicators.loc[indicators["id"] == "cadastre_utilisateurs", "value"] if "id" in indicators else []
    return value.iloc[0] if len(value) else None


def dataset_notes(values: pd.DataFrame, cadastre: pd.DataFrame) -> list[dict]:
    """The per-dataset notes of the page: source, vintage, update rhythm, caveats."""
    ys = metrics.years(values, "pv_energy_mwh")
    span = f"{ys[0]} à {ys[-1]}" if ys else fmt.MISSING
    dates = pd.to_datetime(cadastre["date"]) if len(cadastre) else pd.Series([], dtype="datetime64[ns]")
    cad_span = f"du {fmt.day(dates.min())} au {fmt.day(dates.max())}" if len(dates) else fmt.MISSING

    def sources(key: str) -> str:
        return metrics.join_sources(sorted(values.loc[values["metric"] == key, "source"].dropna().unique())) \
            or fmt.MISSING

    return [
        dict(title="Production photovoltaïque par commune",
             source=sources("pv_energy_mwh") + " (format attendu : Enedis, production électrique "
             "par filière à la maille commune, ou registre ODRÉ des installations)",
             vintage=span, rhythm="annuelle (Enedis publie l'année N au cours de l'année N+1)",
             caveats="séries de démonstration générées : le rapport d'activité 2023 ne donne pas de chiffres "
                     "par commune ; à remplacer par l'import des fichiers Enedis."),
        dict(title="Potentiel des toitures",
             source=sources("solar_potential_mwh") + f" ; total de 3 000 GWh : {REPORT_SOURCE}",
             vintage="2023 (cadastre solaire mis à jour en septembre 2023)",
             rhythm="à chaque mise à jour du cadastre solaire",
             caveats="la répartition par commune est une démonstration qui respecte le total publié ; "
                     "le taux de valorisation compare une production réelle à un potentiel théorique "
                     "(toutes les toitures équipées)."),
        dict(title="Utilisateurs du cadastre solaire",
             source=(" ; ".join(sorted(cadastre["source"].dropna().unique())) or fmt.MISSING) + f" ; 2 200 utilisateurs en deux mois : {REPORT_SOURCE}",
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


def uptake_trend(values: pd.DataFrame, communes: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """The taux de valorisation per year of the PMA, each agglomeration (or the selection's)
    and the selected commune: one row per (zone, year) with value and coverage."""
    rows = []
    shown = zones(communes, Selection())
    if sel.commune:
        shown = [z for z in zones(communes, sel) if z.kind == "commune"] + shown
    for zone in shown:
        name = PMA_LABEL if zone.kind == "pma" else zone.name
        for year in metrics.years(values, "solar_uptake"):
            r = metrics.reading(values, communes, "solar_uptake", year, zone.codes)
            rows.append({"zone": name, "kind": zone.kind, "year": year, "uptake": r.value,
                         "coverage": r.coverage, "is_demo": r.demo})
    return pd.DataFrame(rows, columns=["zone", "kind", "year", "uptake", "coverage", "is_demo"])


def uptake_trend_figure(trend: pd.DataFrame, epci: str | None) -> go.Figure:
    """The taux de valorisation per year for the PMA, each agglomeration and the selected commune."""
    fig = go.Figure()
    for (name, kind), d in trend.groupby(["zone", "kind"], sort=False):
        color = {"pma": "#000000", "commune": PALETTE[4]}.get(kind, EPCI_COLORS.get(name))
        width = 3 if kind == "pma" else 4 if kind == "commune" or name == epci else 2
        dash = "dot" if kind == "epci" and epci and name != epci else "solid"
        fig.add_scatter(
            x=d["year"], y=d["uptake"] * 100, name=name, mode="lines+markers", connectgaps=False,
            line=dict(color=color, dash=dash, width=width),
            customdata=d["coverage"].fillna("toutes les communes").to_numpy(),
            hovertemplate=f"{name}<br>%{{x}} : %{{y:.2f}} %<br>%{{customdata}}<extra></extra>",
        )
    fig.update_layout(xaxis=dict(title="Année", dtick=1), yaxis_title="Taux de valorisation (%)")
    style(fig, "Évolution du taux de valorisation", demo=bool(trend["is_demo"].any()))
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
