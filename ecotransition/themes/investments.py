"""Investissements: industrial projects, their amounts and announced jobs.

Functions take the investments_list query result (and indicators_latest, communes_geo) and
return Kpi cards, aggregated tables and plotly figures. The report names projects but never
gives an amount per project, so the real rows have amount_eur NULL: sums use min_count=1 and
say how many amounts are known, so a missing amount never reads as 0 €. The amounts that do
exist are the demonstration breakdown of the published 2.5 Md€ total, and are flagged.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ecotransition.core import fmt
from ecotransition.core.kpi import Kpi, from_indicator
from ecotransition.core.plotting import DEMO_ANNOTATION, EPCI_COLORS, PALETTE, style, text

DIMENSIONS = {
    "sector": "Secteur",
    "status": "Statut",
    "epci": "Agglomération",
    "announced_year": "Année d'annonce",
}
BY_LABEL = {label: dim for dim, label in DIMENSIONS.items()}
STATUS_ORDER = ["en projet", "annoncé", "en travaux", "en production", "en service"]
UNKNOWN = "non précisé"

# Table columns shown and exported, with their French labels (units in the label).
TABLE_LABELS = {
    "name": "Projet",
    "company": "Entreprise",
    "sector": "Secteur",
    "commune": "Commune",
    "commune_code": "Code INSEE",
    "epci": "Agglomération",
    "announced_year": "Année d'annonce",
    "status": "Statut",
    "amount_meur": "Montant (M€)",
    "jobs": "Emplois annoncés",
    "source": "Source",
}


def filter_year(projects: pd.DataFrame, annee) -> pd.DataFrame:
    """Projects announced in `annee` (all of them when None; unknown years are then left out)."""
    if annee is None or fmt.is_missing(annee):
        return projects
    return projects[projects["announced_year"] == int(annee)]


def _years_label(projects: pd.DataFrame) -> str | None:
    years = projects["announced_year"].dropna()
    if years.empty:
        return None
    lo, hi = int(years.min()), int(years.max())
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _source(rows: pd.DataFrame) -> str:
    return " ; ".join(dict.fromkeys(rows["source"].dropna())) or fmt.MISSING


def project_kpis(projects: pd.DataFrame, area: str) -> list[Kpi]:
    """Cards over the recorded projects of the selection: count, known amount, announced jobs."""
    n = len(projects)
    real = int((~projects["is_demo"].astype(bool)).sum()) if n else 0
    demo_n = n - real
    with_amount = projects[projects["amount_eur"].notna()]
    with_jobs = projects[projects["jobs"].notna()]
    years = _years_label(projects) or "année n.d."
    amount = with_amount["amount_eur"].sum(min_count=1) if len(with_amount) else None
    jobs = with_jobs["jobs"].sum(min_count=1) if len(with_jobs) else None
    return [
        Kpi(label="Projets d'investissement recensés", value=fmt.number(n), year=years,
            source=_source(projects) if n else fmt.MISSING, demo=demo_n > 0,
            help=f"{area} : {real} projet{'s' if real > 1 else ''} cité{'s' if real > 1 else ''} par le rapport "
                 f"d'activité 2023 et {demo_n} projet{'s' if demo_n > 1 else ''} fictif{'s' if demo_n > 1 else ''} "
                 "de démonstration (répartition du total publié)."),
        Kpi(label="Montant des projets recensés", value=fmt.euros(amount), year=years,
            source=_source(with_amount) if len(with_amount) else fmt.MISSING,
            demo=bool(with_amount["is_demo"].astype(bool).any()) if len(with_amount) else False,
            help=f"Montant connu pour {len(with_amount)} projet{'s' if len(with_amount) > 1 else ''} sur {n} : "
                 "le rapport ne publie aucun montant par projet (n.d. = non disponible, pas 0 €)."),
        Kpi(label="Emplois annoncés des projets", value=fmt.number(jobs), year=years,
            source=_source(with_jobs) if len(with_jobs) else fmt.MISSING,
            demo=bool(with_jobs["is_demo"].astype(bool).any()) if len(with_jobs) else False,
            help=f"Emplois connus pour {len(with_jobs)} projet{'s' if len(with_jobs) > 1 else ''} sur {n}."),
    ]


# Units short enough to stay in a card's value; others ("emplois", "habitants") are in the label.
VALUE_UNITS = {"€", "%", "ha", "km", "GWh", "MWh"}


def indicator_card(indicators: pd.DataFrame, ind_id: str, label: str | None = None) -> Kpi | None:
    """A card from an indicators_latest row, optionally relabelled."""
    rows = indicators[indicators["id"] == ind_id] if "id" in indicators else indicators.iloc[0:0]
    if rows.empty:
        return None
    row = rows.iloc[0].to_dict()
    kpi = from_indicator(row)
    changes = {"label": label} if label else {}
    if row.get("unit") not in VALUE_UNITS:
        changes["value"] = fmt.with_unit(row.get("value"), None)
    return Kpi(**{**kpi.__dict__, **changes}) if changes else kpi


def report_kpis(indicators: pd.DataFrame) -> list[Kpi]:
    """The report's totals for the whole PMA: 2.5 Md€ invested since 2020, 4 000 jobs by 2025."""
    cards = [indicator_card(indicators, i) for i in ("investissements_industriels_eur", "emplois_annonces")]
    return [k for k in cards if k is not None]


def breakdown(projects: pd.DataFrame, dim: str) -> pd.DataFrame:
    """Projects, known amount and announced jobs per value of `dim` (sector, status, epci, year).

    An unknown category becomes "non précisé"; a group without any known amount keeps a
    missing amount (not 0), with amount_known telling how many amounts were added up.
    """
    cols = ["category", "projects", "amount_eur", "amount_known", "jobs", "jobs_known", "is_demo", "amount_is_demo"]
    if projects.empty:
        return pd.DataFrame(columns=cols)
    key = projects[dim].astype("object").where(projects[dim].notna(), UNKNOWN)
    if dim == "announced_year":
        key = key.map(lambda v: v if v == UNKNOWN else str(int(v)))
    d = projects.assign(category=key, has_amount=projects["amount_eur"].notna(),
                        demo_amount=projects["amount_eur"].notna() & projects["is_demo"].astype(bool))
    g = d.groupby("category", sort=False)
    out = pd.DataFrame({
        "projects": g.size(),
        "amount_eur": g["amount_eur"].sum(min_count=1),
        "amount_known": g["has_amount"].sum(),
        "jobs": g["jobs"].sum(min_count=1).astype("Float64"),
        "jobs_known": g["jobs"].count(),
        "is_demo": g["is_demo"].any(),
        "amount_is_demo": g["demo_amount"].any(),
    }).reset_index()
    if dim == "status":
        rank = {s: i for i, s in enumerate(STATUS_ORDER)}
        out = out.sort_values("category", key=lambda s: s.map(lambda v: rank.get(v, len(rank))))
    elif dim in ("announced_year", "epci"):
        out = out.sort_values("category", key=lambda s: s.map(lambda v: (v == UNKNOWN, v)))
    else:
        out = out.sort_values(["amount_eur", "projects"], ascending=False, na_position="last")
    return out[cols].reset_index(drop=True)


def breakdown_figure(agg: pd.DataFrame, dim: str) -> go.Figure:
    """Known amounts (M€) and announced jobs side by side, one bar per category.

    A category whose amount is unknown shows no bar but an "n.d." label, never a zero bar.
    """
    label = DIMENSIONS.get(dim, dim)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("Montant connu (M€)", "Emplois annoncés"))
    cats = [text(c) for c in agg["category"].astype(str)][::-1]
    rev = agg.iloc[::-1]
    amount_m = (rev["amount_eur"] / 1e6).tolist()
    jobs = [None if fmt.is_missing(v) else float(v) for v in rev["jobs"]]
    color = [EPCI_COLORS.get(c, PALETTE[0]) for c in cats] if dim == "epci" else PALETTE[0]
    fig.add_bar(x=[0 if fmt.is_missing(v) else v for v in amount_m], y=cats, orientation="h",
                marker_color=color, showlegend=False, name="Montant",
                marker_opacity=[0 if fmt.is_missing(v) else 1 for v in amount_m],
                text=[fmt.MISSING if fmt.is_missing(v) else f"{fmt.number(v)}{fmt.NBSP}M€" for v in amount_m],
                textposition="outside", cliponaxis=False,
                customdata=rev[["projects", "amount_known"]].to_numpy(),
                hovertemplate="%{y}<br>Montant connu : %{text}<br>"
                              "%{customdata[1]} montant(s) connu(s) sur %{customdata[0]} projet(s)<extra></extra>",
                row=1, col=1)
    fig.add_bar(x=[0 if v is None else v for v in jobs], y=cats, orientation="h",
                marker_color=PALETTE[1] if dim != "epci" else color, showlegend=False, name="Emplois",
                marker_opacity=[0 if v is None else 1 for v in jobs],
                text=[fmt.number(v) for v in jobs], textposition="outside", cliponaxis=False,
                customdata=rev[["projects", "jobs_known"]].to_numpy(),
                hovertemplate="%{y}<br>Emplois annoncés : %{text}<br>"
                              "%{customdata[1]} projet(s) sur %{customdata[0]} avec des emplois publiés<extra></extra>",
                row=1, col=2)
    # Room on the right of the longest bars for their labels.
    for col, values in ((1, amount_m), (2, jobs)):
        known = [v for v in values if not fmt.is_missing(v)]
        fig.update_xaxes(range=[0, (max(known) if known else 1) * 1.3], row=1, col=col)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(title_text=label, row=1, col=1, type="category")
    demo = bool(agg["amount_is_demo"].any()) if len(agg) else False
    fig = style(fig, None, demo=demo, height=max(320, 42 * len(cats) + 140))
    return demo_above_subplots(fig)


def demo_above_subplots(fig: go.Figure) -> go.Figure:
    """Lift the demonstration mark above the subplot titles, which it would otherwise cover."""
    for ann in fig.layout.annotations:
        if ann.text and DEMO_ANNOTATION in ann.text:
            ann.update(y=1.16)
            fig.update_layout(margin_t=max(fig.layout.margin.t or 0, 80))
    return fig


def table(projects: pd.DataFrame) -> pd.DataFrame:
    """The project list as shown and exported: amounts in M€, largest first, unknown last."""
    t = projects.assign(amount_meur=projects["amount_eur"] / 1e6)
    t = t.sort_values(["amount_meur", "name"], ascending=[False, True], na_position="last")
    return t[[c for c in TABLE_LABELS if c in t.columns]].reset_index(drop=True)


def selected_codes(communes_geo: pd.DataFrame, epci: str | None, commune: str | None) -> list[str] | None:
    """INSEE codes to highlight on the map: the commune, or the agglomeration's communes."""
    if commune:
        return [commune]
    if epci:
        return communes_geo.loc[communes_geo["epci"] == epci, "code"].tolist()
    return None


def map_link_params(epci: str | None, commune: str | None, annee) -> dict[str, str]:
    """Query parameters of the link to the map page: the same filters, the investments layer."""
    params = {"couche": "investissements"}
    for key, value in (("epci", epci), ("commune", commune), ("annee", annee)):
        if value is not None and not fmt.is_missing(value):
            params[key] = str(value)
    return params


def _esc(value) -> str:
    return fmt.MISSING if fmt.is_missing(value) else text(value)


EPCI_TINTS = {"CABBALR": ("#dbe9f6", "#7fb2da"), "CALL": ("#fbe8c8", "#f3b96b"), "CAHC": ("#d5efe6", "#7fcdb5")}


def _rings(geometry: str) -> list[list[list[float]]]:
    """Outer rings of a GeoJSON Polygon or MultiPolygon (holes would only be filled over)."""
    g = json.loads(geometry)
    polygons = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    return [poly[0] for poly in polygons if poly]


def _outline_xy(geometries) -> tuple[list, list]:
    """One path for many polygons: rings separated by None, as plotly's fill='toself' expects."""
    xs: list = []
    ys: list = []
    for geometry in geometries:
        for ring in _rings(geometry):
            xs += [x for x, _ in ring] + [None]
            ys += [y for _, y in ring] + [None]
    return xs, ys


def map_figure(projects: pd.DataFrame, communes_geo: pd.DataFrame, highlight: list[str] | None = None) -> go.Figure:
    """Projects on the communes of the PMA, sized by announced jobs; an SVG drawing, no tiles.

    Commune outlines are filled polygons on plain longitude/latitude axes, tinted per
    agglomeration; `highlight` (INSEE codes) darkens the selected communes. A map trace
    (MapLibre) would need WebGL: without a GPU it took about a second of the page's drawing
    time, for a picture that never needs panning (the map page is one click away).
    """
    fig = go.Figure()
    hl = set(highlight or [])
    chosen = communes_geo["code"].isin(hl)
    for epci, (light, dark) in EPCI_TINTS.items():
        for selected, color in ((False, light), (True, dark)):
            part = communes_geo[(communes_geo["epci"] == epci) & (chosen == selected)]
            if part.empty:
                continue
            xs, ys = _outline_xy(part["geometry"])
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", fill="toself", fillcolor=color, name=f"{epci} sélection" if selected else epci,
                line=dict(color="#ffffff", width=0.6), hoverinfo="skip", showlegend=False,
            ))
    # Invisible points at the communes' centres carry their names on hover.
    fig.add_trace(go.Scatter(
        x=communes_geo["lon"], y=communes_geo["lat"], mode="markers", name="Communes",
        marker=dict(size=8, opacity=0), showlegend=False,
        text=[f"{_esc(n)} ({_esc(e)})" for n, e in zip(communes_geo["name"], communes_geo["epci"])],
        hovertemplate="%{text}<extra></extra>",
    ))
    p = projects.dropna(subset=["lat", "lon"])
    for i, (sector, d) in enumerate(p.groupby(p["sector"].fillna(UNKNOWN), sort=True)):
        jobs = d["jobs"].astype("Float64")
        size = [10 if fmt.is_missing(j) else 8 + min(30, float(j) ** 0.5) for j in jobs]
        # Plotly renders hover text as HTML: imported names are escaped.
        info = [
            f"{_esc(n)}<br>{_esc(c) if not fmt.is_missing(c) else 'entreprise non précisée'} · {_esc(com)}<br>"
            f"Montant : {fmt.euros(a)} · Emplois : {fmt.number(j)}<br>{_esc(st)}"
            + (" · démonstration" if demo else "")
            for n, c, com, a, j, st, demo in zip(d["name"], d["company"], d["commune"], d["amount_eur"], jobs,
                                                 d["status"].fillna(UNKNOWN), d["is_demo"])
        ]
        fig.add_trace(go.Scatter(
            x=d["lon"], y=d["lat"], mode="markers", name=text(sector),
            marker=dict(size=size, color=PALETTE[i % len(PALETTE)], opacity=0.85, line=dict(color="#ffffff", width=1)),
            text=info, hovertemplate="%{text}<extra></extra>",
        ))
    mid_lat = float(communes_geo["lat"].mean()) if len(communes_geo) else 50.47
    demo = bool(p["is_demo"].astype(bool).any()) if len(p) else False
    fig = style(fig, None, demo=demo, height=560)
    # A degree of longitude is cos(latitude) times shorter than a degree of latitude.
    axis = dict(visible=False, showgrid=False, zeroline=False, fixedrange=True)
    fig.update_layout(xaxis=axis, yaxis=dict(axis, scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid_lat))),
                      plot_bgcolor="#ffffff", hovermode="closest",
                      legend=dict(title=dict(text="Secteur"), orientation="v", y=1, yanchor="top",
                                  x=1.01, xanchor="left"),
                      margin=dict(t=30))
    return fig


def dataset_note(projects: pd.DataFrame) -> dict:
    """Source, vintage, update rhythm and caveats of the investments table."""
    real = projects[~projects["is_demo"].astype(bool)]
    return dict(
        title="Projets d'investissement",
        source=_source(projects) if len(projects) else fmt.MISSING,
        vintage="rapport d'activité 2023 (projets cités) ; total de 2,5 Md€ et 4 000 emplois : "
                "depuis 2020, publié en 2023",
        rhythm="annuelle (rapport d'activité), ou à chaque import d'un fichier de suivi des projets",
        caveats=f"le rapport cite {len(real)} projet{'s' if len(real) > 1 else ''} de la sélection sans montant ; "
                "les projets « Projet A… R » sont fictifs et répartissent le total publié de 2,5 Md€ et "
                "4 000 emplois pour illustrer le tableau de bord (source « démonstration ») ; "
                "les positions sont approximatives (centre de la commune quand le rapport ne précise pas).",
    )
