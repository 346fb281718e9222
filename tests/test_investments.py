"""Investissements: aggregation that keeps unknown amounts unknown, figures, and the page itself."""

from __future__ import annotations

import io
import json

import pandas as pd
import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from conftest import open_page, shown
from ecotransition.core import fmt
from ecotransition.core.plotting import DEMO_ANNOTATION
from ecotransition.data import sql
from ecotransition.surfaces import export
from ecotransition.themes import investments as inv

NNBSP, NBSP = "\u202f", "\u00a0"


def projects_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["r1", "r2", "d1", "d2"],
        "name": ["Gigafactory ACC", "=Projet piégé", "Projet A", "Projet B"],
        "company": ["ACC", None, "Entreprise A", "Entreprise B"],
        "sector": ["Batteries", "Santé", "Batteries", None],
        "status": ["en production", None, "annoncé", "en travaux"],
        "announced_year": pd.array([None, 2023, 2021, 2023], dtype="Int32"),
        "amount_eur": [None, None, 30e6, 15e6],
        "jobs": pd.array([450, None, 60, None], dtype="Int32"),
        "commune_code": ["62132", "62498", "62119", "62413"],
        "commune": ["Billy-Berclau", "Lens", "Béthune", "Harnes"],
        "epci": ["CABBALR", "CALL", "CABBALR", "CALL"],
        "lat": [50.51, 50.44, 50.53, 50.45], "lon": [2.85, 2.82, 2.64, 2.90],
        "source": ["Rapport d'activité 2023 PMA"] * 2 + ["démonstration"] * 2,
        "is_demo": [False, False, True, True],
    })


def test_breakdown_keeps_unknown_amounts_unknown():
    agg = inv.breakdown(projects_frame(), "sector").set_index("category")
    assert agg.at["Batteries", "projects"] == 2
    assert agg.at["Batteries", "amount_eur"] == 30e6        # the known amount only
    assert agg.at["Batteries", "amount_known"] == 1
    assert agg.at["Batteries", "jobs"] == 510
    assert pd.isna(agg.at["Santé", "amount_eur"])             # not 0 €
    assert pd.isna(agg.at["Santé", "jobs"])
    assert agg.at[inv.UNKNOWN, "amount_eur"] == 15e6          # missing sector has its own row
    assert bool(agg.at["Batteries", "amount_is_demo"]) and not bool(agg.at["Santé", "amount_is_demo"])


def test_breakdown_orders_statuses_and_years():
    assert inv.breakdown(projects_frame(), "status")["category"].tolist() == \
        ["annoncé", "en travaux", "en production", inv.UNKNOWN]
    assert inv.breakdown(projects_frame(), "announced_year")["category"].tolist() == ["2021", "2023", inv.UNKNOWN]


def test_breakdown_figure_shows_nd_instead_of_a_zero_bar():
    fig = inv.breakdown_figure(inv.breakdown(projects_frame(), "sector"), "sector")
    amounts = fig.data[0]
    labels = dict(zip(amounts.y, amounts.text))
    assert labels["Santé"] == "n.d." and labels["Batteries"] == f"30{NBSP}M€"
    opacity = dict(zip(amounts.y, amounts.marker.opacity))
    assert opacity["Santé"] == 0 and opacity["Batteries"] == 1
    assert fig.layout.separators == ", "
    assert any(DEMO_ANNOTATION in (a.text or "") for a in fig.layout.annotations)


def test_project_kpis():
    cards = {k.label: k for k in inv.project_kpis(projects_frame(), "PMA")}
    assert cards["Projets d'investissement recensés"].value == "4"
    assert cards["Montant des projets recensés"].value == f"45{NBSP}M€"
    assert "Montant connu pour 2 projets sur 4" in cards["Montant des projets recensés"].help
    assert cards["Montant des projets recensés"].demo
    assert cards["Emplois annoncés des projets"].value == "510"
    assert cards["Projets d'investissement recensés"].year == "2021–2023"
    real = projects_frame().iloc[:2]
    cards = {k.label: k for k in inv.project_kpis(real, "Lens")}
    assert cards["Montant des projets recensés"].value == "n.d."   # the report gives no amount
    assert not cards["Montant des projets recensés"].demo


def test_filter_year_and_table():
    assert inv.filter_year(projects_frame(), 2023)["id"].tolist() == ["r2", "d2"]
    assert len(inv.filter_year(projects_frame(), None)) == 4
    t = inv.table(projects_frame())
    assert t["name"].tolist() == ["Projet A", "Projet B", "=Projet piégé", "Gigafactory ACC"]
    assert t["amount_meur"].tolist()[:2] == [30.0, 15.0] and t["amount_meur"].isna().sum() == 2
    assert list(t.columns) == list(inv.TABLE_LABELS)


def test_exported_table_escapes_and_keeps_missing_amounts_empty():
    data = export.to_csv(inv.table(projects_frame()), inv.TABLE_LABELS)
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)
    assert list(back.columns) == list(inv.TABLE_LABELS.values())
    row = back.set_index("Projet").loc["'=Projet piégé"]
    assert row["Montant (M€)"] == "" and row["Emplois annoncés"] == ""
    assert back.set_index("Projet").loc["Projet A", "Montant (M€)"] == "30"   # a number, no useless ",0"


def test_map_figure_is_offline_and_highlights_the_selection():
    geo = pd.DataFrame({
        "code": ["62498", "62119"], "name": ["Lens", "Béthune"], "epci": ["CALL", "CABBALR"],
        "lat": [50.44, 50.53], "lon": [2.82, 2.64],
        "geometry": ['{"type":"Polygon","coordinates":[[[2.8,50.4],[2.9,50.4],[2.9,50.5],[2.8,50.4]]]}',
                     '{"type":"Polygon","coordinates":[[[2.6,50.5],[2.7,50.5],[2.7,50.6],[2.6,50.5]]]}'],
    })
    projects = projects_frame()
    projects.loc[0, "company"] = "<img src=x onerror=alert(1)>"
    fig = inv.map_figure(projects, geo, inv.selected_codes(geo, "CALL", None))
    assert isinstance(fig, go.Figure)
    # SVG only: no tile server, no map trace (WebGL without a GPU is slow).
    assert {t.type for t in fig.data} == {"scatter"}
    outlines = {t.name: t for t in fig.data if t.fill == "toself"}
    assert list(outlines) == ["CABBALR", "CALL sélection"]       # Lens darkened with its agglomeration
    assert outlines["CALL sélection"].x == (2.8, 2.9, 2.9, 2.8, None)
    communes = next(t for t in fig.data if t.name == "Communes")
    assert list(communes.text) == ["Lens (CALL)", "Béthune (CABBALR)"]
    projects_traces = [t for t in fig.data if t.showlegend is not False]
    assert {t.name for t in projects_traces} == {"Batteries", "Santé", inv.UNKNOWN}
    assert fig.layout.yaxis.scaleanchor == "x" and 1.5 < fig.layout.yaxis.scaleratio < 1.6
    hover = " ".join(t for trace in projects_traces for t in trace.text)
    assert "&lt;img src=x onerror=alert(1)&gt;" in hover and "<img" not in hover   # plotly renders HTML
    assert inv.selected_codes(geo, None, "62119") == ["62119"]
    assert inv.map_link_params("CALL", None, 2023) == {"couche": "investissements", "epci": "CALL", "annee": "2023"}


# --------------------------------------------------------------------------- the page

def run_page(**params) -> AppTest:
    return open_page("pages/investissements.py", query=params)


def test_page_whole_pma(conn, built_db):
    n, amount, jobs, with_amount = conn.execute(
        "SELECT count(*), sum(amount_eur), sum(jobs), count(amount_eur) FROM investments").fetchall()[0]
    real = conn.execute("SELECT count(*), count(amount_eur) FROM investments "
                        "WHERE source = 'Rapport d''activité 2023 PMA'").fetchall()[0]
    assert real[0] >= 7 and real[1] == 0          # the report names projects, never their amount

    at = run_page()
    c = {shown(m.label): m.value for m in at.metric}
    assert c["Projets d'investissement recensés"] == fmt.number(n)
    assert c["Montant des projets recensés"] == fmt.euros(amount) == f"2,5{NBSP}Md€"
    assert c["Emplois annoncés des projets"] == fmt.number(jobs) == f"4{NNBSP}000"
    assert c["Investissements industriels privés depuis 2020"] == f"2,5{NBSP}Md€"
    assert c["Nouveaux emplois annoncés"] == f"4{NNBSP}000"
    table = at.dataframe[-1].value
    assert len(table) == n
    assert table["amount_meur"].isna().sum() == n - with_amount   # unknown, not 0
    # The jobs' trajectory, the chosen breakdown and the map (comparison: a table).
    assert [c.key for c in at.get("plotly_chart")] == ["trajectoire-emplois_annonces-PMA", "inv-breakdown", "inv-map"]
    comparison = at.dataframe[0].value.set_index("Indicateur")
    # Communes whose every project lacks an amount are left out of both sides of the ratio (and said).
    known_amount, known_pop = conn.execute("""
        SELECT (SELECT sum(amount_eur) FROM investments WHERE commune_code IS NOT NULL),
               sum(population) FILTER (NOT EXISTS (SELECT 1 FROM investments i WHERE i.commune_code = c.code)
                                       OR EXISTS (SELECT 1 FROM investments i WHERE i.commune_code = c.code
                                                  AND i.amount_eur IS NOT NULL))
        FROM communes c""").fetchall()[0]
    assert comparison.loc["Investissements recensés", "PMA"] == fmt._round(known_amount / known_pop, 1)
    assert any("Couverture partielle" in c.value and "montant non publié" in c.value for c in at.caption)
    assert len(at.get("download_button")) == 2
    assert "Projets d'investissement" in at.expander[0].label


def test_breakdown_choice_is_in_the_url_and_draws_that_breakdown(built_db):
    at = run_page(repartition="Statut")
    assert at.segmented_control(key="repartition").value == "Statut"
    spec = json.loads(next(c for c in at.get("plotly_chart") if c.key == "inv-breakdown").proto.spec)
    assert spec["layout"]["annotations"][0]["text"] == "Montant connu (M€)"
    categories = set(spec["data"][0]["y"])
    assert categories <= set(inv.STATUS_ORDER) | {inv.UNKNOWN} and len(categories) > 1
    at.segmented_control(key="repartition").set_value("Agglomération").run()
    spec = json.loads(next(c for c in at.get("plotly_chart") if c.key == "inv-breakdown").proto.spec)
    assert set(spec["data"][0]["y"]) <= {"CABBALR", "CALL", "CAHC", inv.UNKNOWN}


def test_page_filtered_agglomeration_and_year(conn, built_db):
    n, amount, jobs = conn.execute("""
        SELECT count(*), sum(amount_eur), sum(jobs) FROM investments i
        JOIN communes c ON c.code = i.commune_code JOIN epci e ON e.code = c.epci_code
        WHERE e.short_name = 'CALL' AND i.announced_year = 2022""").fetchall()[0]
    assert n > 0

    at = run_page(epci="CALL", annee="2022")
    c = {shown(m.label): m.value for m in at.metric}
    assert c["Projets d'investissement recensés"] == fmt.number(n)
    assert c["Montant des projets recensés"] == fmt.euros(amount)
    assert c["Emplois annoncés des projets"] == fmt.number(jobs)
    table = at.dataframe[-1].value
    assert len(table) == n and set(table["epci"]) == {"CALL"} and set(table["announced_year"]) == {2022}


def test_page_commune_with_report_projects_only(conn, built_db):
    # Billy-Berclau holds the ACC gigafactory: a report row with jobs but no amount.
    rows = sql.run(conn, "investments_list", epci=None, commune="62132")
    assert len(rows) >= 1
    at = run_page(commune="62132")
    c = {shown(m.label): m.value for m in at.metric}
    assert c["Projets d'investissement recensés"] == fmt.number(len(rows))
    expected = rows["amount_eur"].sum(min_count=1)
    assert c["Montant des projets recensés"] == ("n.d." if pd.isna(expected) else fmt.euros(expected))
    assert c["Emplois annoncés des projets"] == fmt.number(rows["jobs"].sum(min_count=1))
