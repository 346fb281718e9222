"""Vue d'ensemble: shaping functions on small frames, then the page on the fixture database.

Expected page values are computed with direct SQL on the built database (and, for the
report's stable facts, written out: 150 communes, 644 664 inhabitants, 2,5 Md€, 4 000 jobs).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from conftest import counter_db, counter_site_db, metric_values, open_page, shown
from ecotransition.core import compare, fmt
from ecotransition.core import metrics as M
from ecotransition.core.labels import PMA_LABEL
from ecotransition.core.plotting import DEMO_ANNOTATION
from ecotransition.core.selection import Selection, selection
from ecotransition.data import sql
from ecotransition.surfaces import overview as ov

NNBSP, NBSP = "\u202f", "\u00a0"


def one(conn, query: str, params: dict | None = None):
    return conn.execute(query, params or {}).fetchall()[0][0]


# --------------------------------------------------------------------------- shaping

def test_resolve_year_prefers_the_filter_then_the_latest(gaps):
    values = pd.concat(metric_values(gaps))
    assert M.resolve_year(values, "pv_sites", None) == 2024
    assert M.resolve_year(values, "pv_sites", 2023) == 2023
    assert M.resolve_year(values, "pv_sites", 1999) == 1999   # shown as n.d., not silently replaced
    assert M.resolve_year(values.iloc[0:0], "pv_sites", None) is None


def visits_frame() -> pd.DataFrame:
    """Two channels: A counted all of 2023 and 2024, B installed in July 2024."""
    rows = []
    for month in pd.date_range("2023-01-01", "2024-12-01", freq="MS"):
        rows.append(("A", "s1", "PEDESTRIAN", month.date(), 100.0 if month.year == 2023 else 110.0, 720, 0))
        if month >= pd.Timestamp("2024-07-01"):
            rows.append(("B", "s2", "BIKE", month.date(), 50.0, 720, 72))
    df = pd.DataFrame(rows, columns=["channel_id", "site_id", "mobility_type", "month", "visits",
                                     "hours", "missing_hours"])
    df.loc[(df["channel_id"] == "A") & (df["month"] == date(2024, 8, 1)), "visits"] = 400.0
    return df.assign(is_demo=True, source="démonstration")


def test_busiest_month():
    b = ov.busiest_month(visits_frame(), 2024)
    assert b["name"] == "août" and b["visits"] == 450.0


def events_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "title": ["Vivatech", "Parc en fête", "Comité", "Forum 2024"],
        "start_date": pd.to_datetime(["2023-06-14", "2023-07-01", "2023-03-03", "2024-06-30"]),
        "year": [2023, 2023, 2023, 2024],
        "commune": [None, "Lens", None, "Ruitz"],
        "participants": pd.array([150000, 90000, None, None], dtype="Int64"),
        "in_territory": [False, True, True, True],
        "source": ["Rapport d'activité 2023 PMA"] * 4,
    })


def test_events_participants_leave_out_fairs_outside_the_territory():
    s = ov.events_summary(events_frame(), 2023)
    assert (s["events"], s["outside"], s["participants"], s["counted"], s["inside"]) == (3, 1, 90000.0, 1, 2)
    assert ov.events_summary(events_frame(), 2024)["participants"] is None
    assert ov.events_summary(events_frame(), 2019)["events"] is None    # before the table: unknown, not 0
    assert ov.events_default_year(events_frame()) == 2023   # 2024 has no published count yet
    assert ov.biggest_event(events_frame(), 2023)["title"] == "Parc en fête"


def test_cadastre_change_only_between_two_full_years():
    cad = pd.DataFrame({"year": [2023, 2024], "users": [2956.0, 7155.0],
                        "first_day": [date(2023, 9, 26), date(2024, 1, 1)],
                        "last_day": [date(2023, 12, 31), date(2024, 12, 31)],
                        "is_demo": [True, True], "source": ["démonstration"] * 2})
    s = ov.cadastre_summary(cad, 2024)
    assert s["users"] == 7155.0 and s["change"] is None and s["partial_previous"]
    assert ov.cadastre_default_year(cad) == 2024


def test_cadastre_years_are_compared_on_the_same_365_days():
    # #12f item 2: 10 users a day in 2023, 20 in 2024, 30 in 2025. 2024 against 2023: +100 %, where
    # 366 days against 365 read +100,5 % (7 320 / 3 650); 2025 against 2024: +50 %, not +49,6 %.
    c = counter_site_db()
    days = pd.date_range("2023-01-01", "2025-12-31", freq="D")
    c.register("d", pd.DataFrame({"date": days.date, "users": [10 * (d.year - 2022) for d in days]}))
    c.execute("INSERT INTO cadastre_usage (date, users, source) SELECT date, users, 'test' FROM d")
    cad = sql.run(c, "overview_cadastre")
    assert [(r.year, r.users, r.users_same_days) for r in cad.itertuples()] == [
        (2023, 3650, 3650), (2024, 7320, 7300), (2025, 10950, 10950)]
    assert ov.cadastre_summary(cad, 2024)["change"] == pytest.approx(1.0)
    assert ov.cadastre_summary(cad, 2025)["change"] == pytest.approx(0.5)
    card = next(k for k in ov.solar_kpis(pd.DataFrame(columns=["code", "metric", "year", "num", "den", "items",
                                                                "unknown", "is_demo", "source"]),
                                          pd.DataFrame(columns=["code", "name"]), cad, 2024, 2025, Selection())
                if k.label.startswith("Utilisateurs"))
    assert (card.value, card.delta, card.year) == (f"10{NNBSP}950", f"+50,0{NBSP}% par rapport à 2024",
                                                   "2025 (évolution hors 29 février)")
    assert card.help.endswith("L'évolution compare les mêmes jours de 2025 et 2024 : le 29 février n'est pas compté.")


def test_per_inhabitant_against_the_pma(gaps):
    values, communes = metric_values(gaps), sql.run(gaps, "communes_list", epci=None)
    comp = compare.per_inhabitant(values, communes, Selection(epci="CAHC"), 2024)
    assert list(dict.fromkeys(comp["zone"])) == ["CAHC", "PMA"]
    sites = comp[comp["metric"] == "pv_sites_per_1000"].set_index("zone")
    # Carvin (CAHC) has no 2024 production: Hénin-Beaumont alone, 70 sites for 26 022 inhabitants.
    assert sites.at["CAHC", "per_inhabitant"] == pytest.approx(70 / 26022 * 1000)
    assert sites.at["PMA", "per_inhabitant"] == pytest.approx(280 / (31415 + 30785 + 26022) * 1000)
    assert sites.at["CAHC", "gap"] == pytest.approx((70 / 26022) / (280 / 88222) - 1)
    assert sites.at["CAHC", "coverage"] == "1 commune sur 2 ; hors Carvin : production non renseignée"
    invest = comp[comp["metric"] == "investment_eur_per_inhabitant"].set_index("zone")
    # Hénin-Beaumont's project publishes no amount: CAHC is Carvin alone, with no project (a known 0 €).
    assert invest.at["CAHC", "per_inhabitant"] == 0.0


def test_per_inhabitant_for_a_commune_shows_its_agglomeration_too(gaps):
    values, communes = metric_values(gaps), sql.run(gaps, "communes_list", epci=None)
    comp = compare.per_inhabitant(values, communes, Selection(commune="62427", commune_name="Hénin-Beaumont"), 2024)
    assert list(dict.fromkeys(comp["zone"])) == ["Hénin-Beaumont (62427)", "CAHC", "PMA"]
    invest = comp[(comp["metric"] == "investment_eur_per_inhabitant") & (comp["kind"] == "commune")].iloc[0]
    assert pd.isna(invest["per_inhabitant"]) and pd.isna(invest["gap"])   # missing stays missing
    table = compare.table(comp)
    assert list(table.columns) == ["Indicateur", "Unité", "Hénin-Beaumont (62427)", "CAHC", "PMA",
                                   "Écart Hénin-Beaumont (62427) / PMA (%)"]
    assert table.loc[0, "Hénin-Beaumont (62427)"] == fmt._round(70 / 26022 * 1000, 1) == 2.7
    assert table.loc[0, "Écart Hénin-Beaumont (62427) / PMA (%)"] == fmt._round(
        ((70 / 26022) / (280 / 88222) - 1) * 100, 1)


def test_without_selection_the_three_agglomerations_are_compared(conn):
    values, communes = metric_values(conn), sql.run(conn, "communes_list", epci=None)
    comp = compare.per_inhabitant(values, communes, Selection(), 2024)
    assert list(dict.fromkeys(comp["zone"])) == ["CABBALR", "CAHC", "CALL", "PMA"]
    assert "Écart" not in " ".join(compare.table(comp).columns)
    sources = compare.sources(comp)
    assert sources.startswith("Sites photovoltaïques pour 1 000 habitants, Production photovoltaïque par habitant : "
                              "démonstration ; population : IGN Admin Express")
    fig = ov.comparison_figure(comp)
    assert isinstance(fig, go.Figure) and len(fig.data) == 4
    assert fig.layout.separators == ", "
    assert any(DEMO_ANNOTATION in (a.text or "") for a in fig.layout.annotations)


def test_takeaways_are_computed_from_the_data(gaps):
    values, communes = pd.concat(metric_values(gaps)), sql.run(gaps, "communes_list", epci=None)
    # Drop Carvin's 2023 production: CAHC then compares Hénin-Beaumont with itself (300 / 270).
    values = values[~((values["code"] == "62215") & (values["year"] == 2023))]
    out = ov.takeaways(values, communes, visits_frame(), events_frame(), Selection(), 2024, 2024, 2023)
    assert len(out) == 4
    # CALL: (540 + 420) / (450 + 380) - 1 = +15,7 %; CAHC: 300 / 270 - 1 = +11,1 %.
    assert out[0].text == (f"En 2024, c'est dans l'agglomération CALL que la production photovoltaïque a le plus "
                           f"progressé : +15,7{NBSP}% par rapport à 2023 (CAHC +11,1{NBSP}%).")
    assert not out[0].demo and out[0].year == 2024 and out[0].source == "fixture"
    assert f"5,25{NBSP}% du potentiel annuel" in out[1].text and "2 communes sur 4" in out[1].text
    assert "août" in out[2].text
    assert "« Parc en fête » à Lens" in out[3].text and not out[3].demo
    assert "1er juillet 2023" in out[3].text and f"90{NNBSP}000 participants" in out[3].text


def test_selection_from_filters():
    communes = pd.DataFrame({"code": ["62498"], "name": ["Lens"]})
    sel = selection({"epci": None, "commune": "62498", "annee": "2023"}, communes)
    assert sel.label == "Lens (62498)" and sel.annee == 2023 and sel.filtered
    assert selection({"epci": None, "commune": None, "annee": None}, communes).label == PMA_LABEL


# --------------------------------------------------------------------------- the page

def run_overview(**params) -> AppTest:
    return open_page(None, query=params)


def cards(at: AppTest) -> dict[str, tuple[str, str]]:
    return {shown(m.label): (m.value, m.delta) for m in at.metric}


def captions(at: AppTest) -> str:
    """The captions as a reader sees them (Markdown escapes resolved)."""
    return "\n".join(shown(c.value) for c in at.caption)


def test_overview_default_view(conn, built_db):
    pop, n = conn.execute("SELECT sum(population), count(*) FROM communes").fetchall()[0]
    assert (pop, n) == (644_664, 150)
    sites24, mwh24, pot = conn.execute(
        "SELECT sum(sites), sum(energy_mwh), (SELECT sum(potential_mwh) FROM solar_potential) "
        "FROM solar_production WHERE year = 2024").fetchall()[0]
    sites23, mwh23 = conn.execute(
        "SELECT sum(sites), sum(energy_mwh) FROM solar_production WHERE year = 2023").fetchall()[0]
    projects = one(conn, "SELECT count(*) FROM investments")
    users24 = one(conn, "SELECT sum(users) FROM cadastre_usage WHERE year(date) = 2024")
    visits24 = one(conn, "SELECT sum(count) FROM counter_measures WHERE year(start_datetime) = 2024")
    events23 = one(conn, "SELECT count(*) FROM events WHERE year(start_date) = 2023")
    participants23 = one(conn, "SELECT sum(participants) FROM events "
                               "WHERE year(start_date) = 2023 AND commune_code IS NOT NULL")

    at = run_overview()
    c = cards(at)
    assert len(c) >= 8
    assert c["Habitants"][0] == f"644{NNBSP}664"
    assert c["Communes"][0] == "150"
    assert c["Investissements industriels privés depuis 2020"][0] == f"2,5{NBSP}Md€"
    assert c["Nouveaux emplois annoncés"][0] == f"4{NNBSP}000"
    assert c["Projets d'investissement recensés"][0] == fmt.number(projects)
    assert c["Sites photovoltaïques"] == (fmt.number(sites24),
                                          f"{fmt.signed_percent(sites24 / sites23 - 1)} par rapport à 2023")
    assert c["Production photovoltaïque"][0] == f"{fmt.number(mwh24 / 1000, 1)}{NBSP}GWh"
    assert c["Production photovoltaïque"][1] == f"{fmt.signed_percent(mwh24 / mwh23 - 1)} par rapport à 2023"
    assert pot == 3_000_000
    assert c["Taux de valorisation"][0] == fmt.percent(mwh24 / pot, 2)
    assert c["Utilisateurs du cadastre solaire"] == (fmt.number(users24), "")
    assert c["Passages aux compteurs des parcs"][0] == fmt.number(visits24)
    assert c["Parcs de la Chaîne des parcs"][0] == f"4{NNBSP}200{NBSP}ha"
    assert c["Voies vertes reliant les parcs"][0] == f"420{NBSP}km"
    assert c["Événements"][0] == fmt.number(events23)
    assert c["Participants aux événements"][0] == fmt.number(participants23)

    text = captions(at)
    # Every card states its year and source; the demonstration ones say so.
    assert "2024 · Source : démonstration · ⚠ données de démonstration" in text
    assert "2023 · Source : Rapport d'activité 2023 PMA · objectif 4" in text   # not &#x27;
    assert "population municipale INSEE · Source : IGN Admin Express" in text
    assert any("Données de démonstration" in i.value for i in at.info)


def test_overview_takeaways_match_sql(conn, built_db):
    growth = conn.execute("""
        SELECT e.short_name, sum(p.energy_mwh) FILTER (p.year = 2024) / sum(p.energy_mwh) FILTER (p.year = 2023) - 1 AS g
        FROM solar_production p JOIN communes c ON c.code = p.commune_code JOIN epci e ON e.code = c.epci_code
        GROUP BY 1 ORDER BY g DESC""").fetchall()
    busiest = conn.execute("""
        SELECT month(start_datetime) AS m, sum(count) FROM counter_measures
        WHERE year(start_datetime) = 2024 GROUP BY 1 ORDER BY 2 DESC LIMIT 1""").fetchall()[0]
    biggest = conn.execute("""
        SELECT title, participants FROM events WHERE year(start_date) = 2023 AND commune_code IS NOT NULL
        ORDER BY participants DESC NULLS LAST LIMIT 1""").fetchall()[0]

    at = run_overview()
    bullets = [m.value for m in at.markdown if m.value.startswith("- ")][0]
    plain = bullets.replace("\\", "")
    assert f"En 2024, c'est dans l'agglomération {growth[0][0]} que la production photovoltaïque " \
           f"a le plus progressé : {fmt.signed_percent(growth[0][1])}" in plain
    assert f"le mois le plus fréquenté de 2024 a été {ov.MONTHS[busiest[0] - 1]}, " \
           f"avec {fmt.number(busiest[1])} passages" in plain
    assert f"« {biggest[0]} »" in plain and f"{fmt.number(biggest[1])} participants" in plain
    assert plain.count("⚠ données de démonstration") == 3   # the event comes from the report


def test_overview_filtered_agglomeration_and_year(conn, built_db):
    pop, n = conn.execute("""
        SELECT sum(c.population), count(*) FROM communes c JOIN epci e ON e.code = c.epci_code
        WHERE e.short_name = 'CAHC'""").fetchall()[0]
    assert (pop, n) == (125_835, 14)
    projects, amount, jobs = conn.execute("""
        SELECT count(*), sum(amount_eur), sum(jobs) FROM investments i
        JOIN communes c ON c.code = i.commune_code JOIN epci e ON e.code = c.epci_code
        WHERE e.short_name = 'CAHC'""").fetchall()[0]
    sites23, sites22 = conn.execute("""
        SELECT sum(sites) FILTER (year = 2023), sum(sites) FILTER (year = 2022) FROM solar_production p
        JOIN communes c ON c.code = p.commune_code JOIN epci e ON e.code = c.epci_code
        WHERE e.short_name = 'CAHC'""").fetchall()[0]
    users23 = one(conn, "SELECT sum(users) FROM cadastre_usage WHERE year(date) = 2023")
    events23 = one(conn, """
        SELECT count(*) FROM events ev JOIN communes c ON c.code = ev.commune_code
        JOIN epci e ON e.code = c.epci_code WHERE e.short_name = 'CAHC' AND year(ev.start_date) = 2023""")

    at = run_overview(epci="CAHC", annee="2023")
    assert at.session_state["epci"] == "CAHC" and at.session_state["annee"] == 2023
    c = cards(at)
    assert c["Habitants"][0] == f"125{NNBSP}835"
    assert c["Communes"][0] == "14"
    # Filtered: the projects of the agglomeration, not the report's PMA-wide totals.
    assert "Investissements industriels privés depuis 2020" not in c
    assert c["Projets d'investissement recensés"][0] == fmt.number(projects)
    assert c["Montant des projets recensés"][0] == fmt.euros(amount)
    assert c["Emplois annoncés des projets"][0] == fmt.number(jobs)
    assert c["Sites photovoltaïques"] == (fmt.number(sites23),
                                          f"{fmt.signed_percent(sites23 / sites22 - 1)} par rapport à 2022")
    assert c["Utilisateurs du cadastre solaire (tout le PMA)"][0] == fmt.number(users23)
    assert c["Parcs de la Chaîne des parcs (tout le PMA)"][0] == f"4{NNBSP}200{NBSP}ha"
    assert c["Événements"][0] == fmt.number(events23)
    assert captions(at).startswith("CAHC · année 2023")


def test_overview_filtered_commune_with_comparison(conn, built_db):
    sites, pop = conn.execute("""
        SELECT sum(p.sites), any_value(c.population) FROM solar_production p
        JOIN communes c ON c.code = p.commune_code WHERE p.year = 2024 AND c.code = '62498'""").fetchall()[0]
    pma_sites, pma_pop = conn.execute("""
        SELECT sum(p.sites), (SELECT sum(population) FROM communes) FROM solar_production p
        WHERE p.year = 2024""").fetchall()[0]

    at = run_overview(commune="62498")
    assert at.session_state["commune"] == "62498"
    c = cards(at)
    assert c["Habitants"][0] == f"31{NNBSP}415" == fmt.number(pop)
    assert c["Communes"][0] == "1"
    table = at.dataframe[0].value
    assert list(table.columns) == ["Indicateur", "Unité", "Lens (62498)", "CALL", "PMA", "Écart Lens (62498) / PMA (%)"]
    row = table.set_index("Indicateur").loc["Sites photovoltaïques pour 1 000 habitants"]
    assert row["Lens (62498)"] == fmt._round(sites / pop * 1000, 1)
    assert row["PMA"] == fmt._round(pma_sites / pma_pop * 1000, 1)


def test_every_overview_query_runs_filtered(conn):
    for name in ("overview_territory", "overview_visits", "overview_events"):
        df = sql.run(conn, name, epci="CALL", commune=None)
        assert len(df), name
    values = pd.concat(metric_values(conn))
    invest = values[values["metric"] == "investment_eur_per_inhabitant"].set_index("code")
    assert len(invest) == 150
    # No project recorded in a commune is a known 0; a recorded project without amount stays NULL.
    known = one(conn, "SELECT sum(amount_eur) FROM investments WHERE commune_code = '62132'")
    acc = invest.loc["62132"]   # Billy-Berclau: ACC, no published amount
    assert acc["items"] >= 1
    assert (pd.isna(acc["num"]) and known is None) or acc["num"] == known
    assert (invest.loc[invest["items"] == 0, "num"] == 0).all()


def test_a_partial_year_of_the_counters_is_not_spoken_of_as_a_year(gaps):
    # The gaps fixture counts to 10 January 2025: 2025 is the counters' current, incomplete year.
    values, communes = pd.concat(metric_values(gaps)), sql.run(gaps, "communes_list", epci=None)
    visits = sql.run(gaps, "overview_visits", epci=None, commune=None)
    cy = sql.run(gaps, "visits_channel_years", epci=None, commune=None)
    events = sql.run(gaps, "overview_events", epci=None, commune=None)
    partial = next(t.text for t in ov.takeaways(values, communes, visits, events, Selection(), 2024, 2025, 2024, cy)
                   if "compteurs" in t.text)
    assert partial == ("Aux compteurs de la Chaîne des parcs du Pôle métropolitain, du 1er janvier au 10 janvier 2025 "
                       "(année 2025 en cours, incomplète), le mois le plus fréquenté a été janvier, avec 480 passages, "
                       f"100,0{NBSP}% des passages comptés depuis le 1er janvier.")
    full = next(t.text for t in ov.takeaways(values, communes, visits, events, Selection(), 2024, 2024, 2024, cy)
                if "compteurs" in t.text)
    assert full.startswith("Aux compteurs de la Chaîne des parcs du Pôle métropolitain, le mois le plus fréquenté "
                           "de 2024 a été ")
    card = ov.parks_kpis(values, communes, cy, pd.DataFrame(columns=["id"]), 2025, Selection())[0]
    assert card.delta == f"0,0{NBSP}% par rapport à 2024 (mêmes jours)"
    assert ("Année en cours : l'évolution compare les passages du 1er janvier au 10 janvier 2025 aux mêmes jours "
            "de 2024") in card.help


def test_the_page_says_the_counters_year_is_partial(gaps_db, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_DB", str(gaps_db))
    at = open_page("pages/vue-ensemble.py", annee=2025)
    text = shown("\n".join(m.value for m in at.markdown))
    assert "du 1er janvier au 10 janvier 2025 (année 2025 en cours, incomplète), le mois le plus fréquenté " \
           "a été janvier" in text
    assert "des passages de l'année" not in text


def test_the_counters_sentence_cites_the_measures_that_were_counted():
    # #12, item 5: a demonstration channel that stopped in 2024 but for one day of 2025 whose
    # every hour is missing, and an imported channel (its channels file and measures file) that
    # counts 2 an hour to 10 January 2025. 2025's sentence cites the measures file only, no
    # demonstration; 2024's cites both measure sources and is demonstration.
    def hours(channel, first, last, count, source):
        h = pd.date_range(first, pd.Timestamp(last) + pd.Timedelta(hours=23), freq="h")
        return pd.DataFrame({"channel_id": channel, "start_datetime": h, "end_datetime": h + pd.Timedelta(hours=1),
                             "count": pd.array([count] * len(h), dtype="Int64"), "source": source})
    c = counter_db(pd.concat([
        hours("demo", "2024-01-01", "2024-01-10", 5, "démonstration"),
        hours("demo", "2025-01-05", "2025-01-05", None, "démonstration"),
        hours("imp", "2024-01-01", "2025-01-10", 2, "Comptage (measures.csv)"),
    ], ignore_index=True), {"demo": "démonstration", "imp": "Comptage (channels.csv)"})
    visits = sql.run(c, "overview_visits", epci=None, commune=None)
    jan25 = visits[visits["month"] == pd.Timestamp("2025-01-01")].set_index("channel_id")
    assert jan25.loc["demo", "is_demo"] == False and pd.isna(jan25.loc["demo", "source"])  # noqa: E712
    assert jan25.loc["demo", "missing_hours"] == 24 * 10 and pd.isna(jan25.loc["demo", "visits"])
    b = ov.busiest_month(visits, 2025)
    assert (b["visits"], b["demo"], b["source"]) == (480.0, False, "Comptage (measures.csv)")
    b = ov.busiest_month(visits, 2024)
    assert (b["visits"], b["demo"], b["source"]) == (
        2 * 24 * 31 + 5 * 24 * 10, True, "démonstration ; Comptage (measures.csv)")


def test_the_passages_card_states_the_flagged_channel_days(built_db):
    """The overview's passages total includes the flagged days: it says how many, with the same
    count as /chaine-des-parcs (41 channel-days of the demonstration in 2024)."""
    at = open_page("pages/vue-ensemble.py")
    text = [c.value for c in at.caption if c.value.startswith("Anomalies des compteurs")]
    assert text == [f"Anomalies des compteurs en 2024 : 41 jours\\-canaux signalés sur 4{NNBSP}392 "
                    "\\(zéros prolongés 7, valeur figée 1, baisse soudaine 14, hausse soudaine 1, lacune 18\\), "
                    "inclus dans le total ; détail et liste sur la page Chaîne des parcs\\."]

