"""The sidebar filters live in the URL, both ways: a link reproduces a view, a change updates the link.

`epci` (CABBALR, CALL, CAHC) and `annee` are selectboxes bound with bind="query-params";
`commune` carries the INSEE code and is synced by dashboard.py itself (a bound selectbox would
put its displayed label, "Lens (62498)", in the URL).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import offline_page, open_page, shown, shown_table, start_server, stop_server, wait_ready
from ecotransition.core import fmt

APP = str(Path(__file__).resolve().parents[1] / "dashboard.py")


def run(page: str | None = None, **params) -> AppTest:
    return open_page(page, query=params)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if shown(m.label) == label)


# --------------------------------------------------------------------------- AppTest

def test_url_sets_the_filters(built_db):
    at = run(epci="CAHC", annee="2023")
    assert (at.session_state["epci"], at.session_state["annee"]) == ("CAHC", 2023)
    assert at.selectbox(key="epci").value == "CAHC"
    assert at.selectbox(key="annee").value == 2023
    assert metric(at, "Communes") == "14"


def test_commune_in_the_url_is_its_insee_code(conn, built_db):
    pop = conn.execute("SELECT population FROM communes WHERE code = '62498'").fetchall()[0][0]
    at = run(commune="62498")
    assert at.session_state["commune"] == "62498"
    assert metric(at, "Habitants") == fmt.number(pop)
    # Filters survive a page switch.
    at.switch_page("pages/investissements.py")
    at.run()
    assert at.session_state["commune"] == "62498"
    assert at.query_params["commune"] == "62498"


def test_changing_the_commune_writes_its_code_to_the_url(built_db):
    at = run()
    assert "commune" not in at.query_params
    at.selectbox(key="commune").set_value("62498").run()
    assert at.query_params["commune"] == "62498"
    assert metric(at, "Habitants") == "31\u202f415"
    at.selectbox(key="commune").set_value("").run()
    assert "commune" not in at.query_params
    assert metric(at, "Communes") == "150"


def test_a_commune_outside_the_agglomeration_is_dropped(built_db):
    at = run(epci="CAHC", commune="62498")          # Lens is in CALL
    assert at.session_state["commune"] == ""         # "Toutes les communes"
    assert "commune" not in at.query_params
    assert metric(at, "Communes") == "14"
    at = run(commune="62498")
    at.selectbox(key="epci").set_value("CAHC").run()  # the agglomeration changes under it
    assert at.session_state["commune"] == "" and "commune" not in at.query_params
    assert at.selectbox(key="commune").value == ""


def test_unknown_values_are_ignored(built_db):
    at = run(epci="XYZ", annee="1850", commune="99999")
    assert at.session_state["epci"] == "" and at.session_state["annee"] == ""
    assert at.session_state["commune"] == ""
    # Their "all" options, in French (never an empty box with an English placeholder).
    assert [at.selectbox(key=k).format_func(at.selectbox(key=k).value) for k in ("epci", "commune", "annee")] == [
        "Tout le Pôle métropolitain", "Toutes les communes", "Dernière année complète"]
    assert metric(at, "Communes") == "150"


# --------------------------------------------------------------------------- browser

def _value(page, label: str) -> str:
    return page.get_by_role("combobox", name=label).input_value()


def _choose(page, label: str, option: str, typed: str | None = None) -> None:
    box = page.get_by_role("combobox", name=label)
    box.click()
    if typed:
        box.fill(typed)
    page.get_by_role("option", name=option, exact=True).click()
    wait_ready(page)


def _metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)).first
    text = card.locator('[data-testid="stMetricValue"]').inner_text()
    return text.replace("\u202f", " ").replace("\u00a0", " ").strip()


@pytest.fixture(scope="module")
def cold_server(built_db):
    """A server nobody has visited yet: its first request goes to /solaire, not to /."""
    proc, url = start_server(built_db)
    yield url
    stop_server(proc)


@pytest.mark.browser
def test_links_and_filters_round_trip_in_chromium(cold_server, browser, conn):
    cahc_pop = conn.execute("""SELECT sum(population) FROM communes c JOIN epci e ON e.code = c.epci_code
                               WHERE e.short_name = 'CAHC'""").fetchall()[0][0]
    lens_pop = conn.execute("SELECT population FROM communes WHERE code = '62498'").fetchall()[0][0]
    lens_projects = conn.execute("SELECT count(*) FROM investments WHERE commune_code = '62498'").fetchall()[0][0]
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 1000})
    sidebar = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'

    # 1. A link to a thematic page on a freshly started server: the view it describes.
    page.goto(f"{cold_server}/solaire?epci=CAHC&annee=2023")
    page.wait_for_selector(sidebar, timeout=60000)
    wait_ready(page)
    assert (_value(page, "Agglomération"), _value(page, "Commune"), _value(page, "Année")) == \
        ("CAHC", "Toutes les communes", "2023")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Vue d'ensemble" in nav and "ui" not in nav.split()       # st.navigation, not pages/ listing
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "CAHC" in main and "2023" in main

    # 2. Changing a filter updates the URL that staff send.
    _choose(page, "Agglomération", "CALL")
    page.wait_for_url("**epci=CALL**")
    assert "annee=2023" in page.url and "/solaire" in page.url
    assert "CALL" in page.locator('[data-testid="stMain"]').inner_text()
    _choose(page, "Commune", "Lens (62498)", typed="Lens")
    page.wait_for_url("**commune=62498**")

    # 3. The filters follow to another page, in the sidebar and in the URL.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Vue d'ensemble").click()
    page.wait_for_url(lambda u: "/solaire" not in u)
    wait_ready(page)
    for part in ("epci=CALL", "commune=62498", "annee=2023"):
        assert part in page.url, page.url
    assert _metric(page, "Habitants") == fmt.number(lens_pop).replace("\u202f", " ")

    # 4. A new agglomeration drops a commune that is not in it, from the sidebar and the URL.
    _choose(page, "Agglomération", "CAHC")
    page.wait_for_url("**epci=CAHC**")
    page.wait_for_function("() => !window.location.search.includes('commune=')")
    assert _value(page, "Commune") == "Toutes les communes"
    assert _metric(page, "Habitants") == fmt.number(cahc_pop).replace("\u202f", " ")

    # 5. The commune of a link is its INSEE code.
    page.goto(f"{cold_server}/investissements?commune=62498")
    page.wait_for_selector(sidebar, timeout=60000)
    wait_ready(page)
    assert _value(page, "Commune") == "Lens (62498)"
    assert "commune=62498" in page.url
    assert _metric(page, "Projets d'investissement recensés") == str(lens_projects)

    assert page.locator('[data-testid="stException"]').count() == 0
    assert outside == []
    page.context.close()


def test_the_filters_survive_a_visit_to_the_screen_page(built_db):
    at = run(epci="CALL", annee="2023", commune="62498")
    at.switch_page("pages/ecran.py")
    at.run()
    at.switch_page("pages/vue-ensemble.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert (at.session_state["epci"], at.session_state["commune"], at.session_state["annee"]) == ("CALL", "62498", 2023)
    assert metric(at, "Communes") == "1"


@pytest.mark.browser
def test_back_from_the_screen_page_keeps_the_filters_in_chromium(cold_server, browser):
    """Follow « Écran du Grand forum » in the sidebar, press Back: the same view, in the URL too."""
    page = offline_page(browser, [], viewport={"width": 1400, "height": 1000})
    sidebar = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'
    page.goto(f"{cold_server}/solaire?epci=CALL&annee=2023&commune=62498")
    page.wait_for_selector(sidebar, timeout=60000)
    wait_ready(page)
    for _ in range(2):   # twice: the second visit starts from a restored state
        page.locator('[data-testid="stSidebarNav"] a', has_text="Écran du Grand forum").click()
        page.wait_for_function("() => location.pathname.endsWith('/ecran')", timeout=30000)
        page.locator(".ea-slide, [data-testid='stHtml']").first.wait_for(timeout=60000)
        wait_ready(page, 60000)
        page.go_back()
        page.wait_for_function("() => location.pathname.endsWith('/solaire')", timeout=30000)
        page.wait_for_selector(sidebar, timeout=60000)
        wait_ready(page)
        page.wait_for_function("() => location.search.includes('epci=CALL')", timeout=10000)
        for part in ("epci=CALL", "commune=62498", "annee=2023"):
            assert part in page.url, page.url
        assert (_value(page, "Agglomération"), _value(page, "Commune"), _value(page, "Année")) == \
            ("CALL", "Lens (62498)", "2023")
        assert "Choose an option" not in page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Lens (62498) · année 2023" in page.locator('[data-testid="stMain"]').inner_text()
    page.context.close()


@pytest.mark.browser
def test_every_page_opens_by_its_own_address(cold_server, browser):
    """/vue-ensemble (the default page's name) and the others, opened directly: no « Page not found »."""
    page = offline_page(browser, [], viewport={"width": 1400, "height": 1000})
    for path, title in (("/vue-ensemble?epci=CALL", "Écotransition Artois — vue d'ensemble"),
                        ("/commune?code=62498", "Fiche commune — Lens"),
                        ("/solaire", "Solaire photovoltaïque")):
        page.goto(cold_server + path)
        wait_ready(page, 90_000)
        page.locator("h1", has_text=title).wait_for(timeout=30_000)
        assert page.locator('[role="dialog"]').count() == 0, path
        assert page.url.endswith(path), page.url
        if "epci=CALL" in path:
            assert _value(page, "Agglomération") == "CALL"
    page.context.close()


# --------------------------------------------------------------------------- page filters

def test_a_link_to_a_counter_shows_it_with_every_filter_of_the_page(conn, built_db):
    name = conn.execute("SELECT site_name FROM counter_sites WHERE site_id = 'demo-cpt-003'").fetchall()[0][0]
    at = run("pages/chaine-des-parcs.py", compteur="demo-cpt-003", pas="Semaine", mode="Piétons")
    assert at.selectbox(key="compteur").value == "demo-cpt-003"
    assert at.selectbox(key="compteur").format_func("demo-cpt-003") == name
    assert (at.session_state["pas"], at.session_state["mode"]) == ("Semaine", "Piétons")
    assert (at.query_params["compteur"], at.query_params["pas"], at.query_params["mode"]) == (
        "demo-cpt-003", "Semaine", "Piétons")
    # The flags listed are that counter's: Olhain's stuck week among them, no other counter.
    table = next(shown_table(t) for t in at.table if "Détail" in t.value.columns)
    assert set(table["Canal (compteur · mode)"]) == {f"{name} · Piétons"}
    # Another counter chosen: its id in the URL; all counters: none.
    box = at.selectbox(key="compteur")
    box.select("demo-cpt-005").run()
    assert at.query_params["compteur"] == "demo-cpt-005"
    at.selectbox(key="compteur").select("").run()
    assert "compteur" not in at.query_params
    # An old link with the counter's name still finds it; an unknown id shows every counter.
    assert run("pages/chaine-des-parcs.py", compteur=name).selectbox(key="compteur").value == "demo-cpt-003"
    at = run("pages/chaine-des-parcs.py", compteur="inconnu")
    assert at.selectbox(key="compteur").value == "" and "compteur" not in at.query_params


def test_a_link_naming_two_counters_keeps_the_one_shown(built_db):
    # #12, item 13: ?compteur=a&compteur=b showed b while the link kept both.
    at = run("pages/chaine-des-parcs.py", compteur=["demo-cpt-002", "demo-cpt-003"])
    assert at.selectbox(key="compteur").value == "demo-cpt-003"
    assert at.query_params["compteur"] == "demo-cpt-003"


def _add_agenda(db: Path) -> None:
    """650 events more (an imported agenda), half concerts, half plays: 7 or 8 pages of the list."""
    import duckdb
    with duckdb.connect(str(db)) as c:
        c.execute("""INSERT INTO events (id, title, start_date, place, commune_code, theme, participants, source)
                     SELECT 'agenda-' || i, 'Concert n° ' || i, DATE '2023-01-01' + (i % 700)::INTEGER,
                            'Salle des fêtes', '62498', CASE WHEN i % 2 = 0 THEN 'Concert' ELSE 'Théâtre' END,
                            NULL, 'import agenda.csv'
                     FROM range(650) t(i)""")


def test_a_filter_change_on_the_events_page_starts_the_list_again_at_page_one(writable_db):
    _add_agenda(writable_db)
    # A link to page 3 keeps its page.
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["page"] = "3"
    at.run()
    at.switch_page("pages/evenements.py")
    at.run()
    assert at.number_input(key="page").value == 3 and at.query_params["page"] == "3"
    # A theme chosen: page 1, in the widget and the URL (page 3 was another selection's).
    at.pills(key="theme").set_value(["Concert"]).run()
    assert at.number_input(key="page").value == 1
    assert at.query_params.get("page") in (None, "1")
    first = at.dataframe[0].value["title"].tolist()
    assert first[0].startswith("Concert")


@pytest.mark.browser
def test_page_filters_survive_a_reload_and_a_stale_page_resets_in_chromium(built_db, tmp_path, browser, conn):
    name = conn.execute("SELECT site_name FROM counter_sites WHERE site_id = 'demo-cpt-003'").fetchall()[0][0]
    db = tmp_path / "agenda.duckdb"
    db.write_bytes(built_db.read_bytes())
    _add_agenda(db)
    proc, url = start_server(db)
    try:
        page = offline_page(browser, [], viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/chaine-des-parcs?compteur=demo-cpt-003&pas=Semaine&mode=Pi%C3%A9tons")
        for _ in range(2):      # the link, then a reload of the page
            wait_ready(page, 90_000)
            page.get_by_role("combobox", name="Compteur").wait_for(timeout=60_000)
            assert _value(page, "Compteur") == name
            for part in ("compteur=demo-cpt-003", "pas=Semaine", "mode=Pi"):
                assert part in page.url, page.url
            page.locator(".gtitle", has_text="Passages comptés par semaine").first.wait_for(timeout=60_000)
            page.reload()
        wait_ready(page, 90_000)

        page.goto(f"{url}/evenements?page=3")
        wait_ready(page, 90_000)
        number = page.locator('[data-testid="stNumberInput"] input')
        number.wait_for(timeout=60_000)
        assert number.input_value() == "3"
        page.get_by_role("button", name="Concert", exact=True).click()
        page.wait_for_function("() => location.search.includes('Concert') && !location.search.includes('page=3')",
                               timeout=30_000)
        wait_ready(page)
        assert page.locator('[data-testid="stNumberInput"] input').input_value() == "1"
        assert page.locator('[data-testid="stException"]').count() == 0
        page.context.close()
    finally:
        stop_server(proc)
