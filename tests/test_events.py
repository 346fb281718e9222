"""Événements: places, order against today, participants never 0, escaping, and the page itself."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pandas as pd
import pytest

from conftest import metrics, open_page, shown
from ecotransition.core import clock, fmt
from ecotransition.data import sql
from ecotransition.themes import events

NNBSP = "\u202f"


def query(conn, name: str, today: date = date(2026, 11, 27), **controls):
    """An events_* query on the built database for a selection of the page's controls."""
    extra = {k: controls.pop(k) for k in ("limit", "offset") if k in controls}
    return sql.run(conn, name, **events.args(name, events.selection(today, **controls), **extra))


def selection(conn, today: date = date(2026, 11, 27), **controls):
    return events.prepare(query(conn, "events_selection", today, limit=None, offset=0, **controls))


def summary(conn, today: date = date(2026, 11, 27), **controls):
    return query(conn, "events_summary", today, **controls)


@pytest.fixture()
def ev(conn):
    return selection(conn)


def page(**state):
    return open_page("pages/evenements.py", **state)




# ---------------------------------------------------------------- module

@pytest.mark.parametrize("row, expected", [
    ({"commune_code": "62498", "place": "Stade Bollaert-Delelis, Lens", "lat": 50.4}, events.INSIDE),
    ({"commune_code": None, "place": "Chaîne des parcs (parcours de 110 km)", "lat": None}, events.INSIDE),
    ({"commune_code": None, "place": "En ligne (visio)", "lat": None}, events.ONLINE),
    ({"commune_code": None, "place": "Préfecture, Arras", "lat": 50.29}, events.OUTSIDE),
    ({"commune_code": None, "place": "Monts du Lyonnais", "lat": None}, events.OUTSIDE),
    ({"commune_code": None, "place": None, "lat": None}, events.UNKNOWN),
    ({"commune_code": None, "place": "", "lat": None}, events.UNKNOWN),
])
def test_location(conn, row, expected):
    """queries/macros.sql's event_location, named in French by the theme."""
    code = conn.execute("SELECT event_location($commune_code, $place, $lat::DOUBLE)", row).fetchall()[0][0]
    assert events.LOCATION_CODES[code] == expected


def test_short_day():
    assert events.short_day(date(2023, 12, 15)) == "15 déc. 2023"
    assert events.short_day(date(2024, 7, 1)) == "1er juil. 2024"
    assert events.short_day(None) == "n.d."


def test_report_events_are_all_past_today_and_most_recent_come_first(conn, ev):
    assert (ev["status"] == events.PAST).all()
    latest = conn.execute("SELECT max(start_date) FROM events").fetchall()[0][0]
    assert ev.iloc[0]["start_date"] == latest
    assert ev["start_date"].is_monotonic_decreasing


def test_upcoming_events_come_first_soonest_first(conn):
    ev = selection(conn, date(2024, 1, 1))
    coming = ev["status"].isin([events.TODAY, events.UNDER_WAY, events.UPCOMING])
    n_up = int(coming.sum())
    assert n_up == conn.execute("SELECT count(*) FROM events WHERE coalesce(end_date, start_date) >= '2024-01-01'"
                                ).fetchall()[0][0] > 0
    assert coming.iloc[:n_up].all()
    assert ev["start_date"].iloc[:n_up].is_monotonic_increasing
    assert ev["start_date"].iloc[n_up:].is_monotonic_decreasing
    cards = {k.label: k for k in events.kpis(summary(conn, date(2024, 1, 1)), None, pd.DataFrame(columns=["id"]),
                                              date(2024, 1, 1))}
    first = ev.iloc[0]
    assert cards["Prochain événement"].value == events.short_day(first["start_date"])
    assert cards["Prochain événement"].help == f"{first['title']} — {fmt.day(first['start_date'])}"


def test_an_event_under_way_is_en_cours_not_a_venir(conn):
    """Parc en fête (1er juillet – 31 août 2023) on 1 August 2023 has begun: the list and the table
    say « En cours », the events starting later « À venir » (a tester saw a festival under way
    listed as « à venir »)."""
    ev = selection(conn, date(2023, 8, 1)).set_index("id")
    assert ev.loc["evt-2023-07-01-parc-en-fete", "status"] == events.UNDER_WAY == "En cours"
    assert ev.loc["evt-2023-08-26-chti-bike-tour", "status"] == events.UPCOMING
    assert ev.loc["evt-2023-06-14-vivatechnology", "status"] == events.PAST
    line = next(x for x in events.list_items(ev.reset_index(), lambda t: t, limit=100) if "Parc en fête" in x)
    assert line.endswith(" · *en cours*")
    # the day it starts, « Aujourd'hui » (t12j finding 10; still the next one for the « Prochain événement »
    # card, event_ahead); its last day, under way
    first_day = selection(conn, date(2023, 7, 1)).set_index("id")
    assert first_day.loc["evt-2023-07-01-parc-en-fete", "status"] == events.TODAY == "Aujourd'hui"
    assert next(x for x in events.list_items(first_day.reset_index(), lambda t: t, limit=100)
                if "Parc en fête" in x).endswith(" · *aujourd'hui*")
    assert selection(conn, date(2023, 8, 31)).set_index("id").loc["evt-2023-07-01-parc-en-fete", "status"] \
        == events.UNDER_WAY


def test_pages_of_the_list_follow_each_other(conn, ev):
    first = events.prepare(query(conn, "events_selection", limit=10, offset=0))
    second = events.prepare(query(conn, "events_selection", limit=10, offset=10))
    assert first["id"].tolist() + second["id"].tolist() == ev["id"].head(20).tolist()
    assert events.pages(0) == 1 and events.pages(100) == 1 and events.pages(101) == 2


def test_select_by_area_theme_location_and_place(conn):
    call = selection(conn, epci="CALL")
    assert len(call) == conn.execute("""SELECT count(*) FROM events ev JOIN communes c ON c.code = ev.commune_code
                                        JOIN epci e ON e.code = c.epci_code WHERE e.short_name = 'CALL'""").fetchall()[0][0]
    assert len(call) and set(call["epci"]) == {"CALL"}
    parcs = selection(conn, themes=["Chaîne des parcs"], locations=[events.INSIDE])
    assert "Parc en fête" in set(parcs["title"]) and set(parcs["theme"]) == {"Chaîne des parcs"}
    assert set(parcs["location"]) == {events.INSIDE}
    lens = selection(conn, place="Stade Bollaert-Delelis, Lens")
    assert len(lens) and set(lens["place"]) == {"Stade Bollaert-Delelis, Lens"}


def test_kpis_participants_missing_are_not_zero(conn, ev):
    known, n_known, n = conn.execute(
        "SELECT sum(participants), count(participants), count(*) FROM events").fetchall()[0]
    cards = {k.label: k for k in events.kpis(summary(conn), None, pd.DataFrame(columns=["id"]), date(2026, 11, 27))}
    assert cards["Événements"].value == fmt.number(n)
    assert cards["Participants recensés"].value == fmt.number(known)
    assert f"pour {n_known} événement(s) sur {n}" in cards["Participants recensés"].help
    assert f"{n - n_known} sans nombre publié (n.d.)" in cards["Participants recensés"].help
    assert cards["Dernier événement"].value == events.short_day(ev["start_date"].max())
    # An empty selection shows n.d., never 0 participants.
    none = summary(conn, place="Nulle part")
    empty = {k.label: k for k in events.kpis(none, None, pd.DataFrame(columns=["id"]), date.today())}
    assert empty["Événements"].value == "0" and empty["Participants recensés"].value == "n.d."
    assert empty["Participants (territoire)"].value == "n.d." and "Dernier événement" not in empty


def test_calendar_and_months_count_every_event_once(conn):
    months = query(conn, "events_calendar")
    n = conn.execute("SELECT count(*) FROM events").fetchall()[0][0]
    assert months["events"].sum() == n
    june = conn.execute("""SELECT count(*) FROM events WHERE theme = 'Chaîne des parcs'
                           AND start_date >= '2023-06-01' AND start_date < '2023-07-01'""").fetchall()[0][0]
    row = months[(months["theme"] == "Chaîne des parcs") & (pd.to_datetime(months["month"]) == "2023-06-01")]
    assert int(row["events"].sum()) == june
    fig = events.calendar_figure(months, date(2026, 11, 27))
    heat = fig.data[0]
    assert sum(v for r in heat.z for v in r if v == v) == n   # NaN (no event) is not counted as 0
    fig = events.monthly_figure(months)
    assert sum(sum(t.y) for t in fig.data) == n


def test_list_and_figures_escape_titles_and_places():
    raw = pd.DataFrame({
        "id": ["x"], "title": ["<script>alert(1)</script> **gras** [lien](http://evil.example)"],
        "start_date": [date(2024, 5, 1)], "end_date": [None], "place": ["<b>Lens</b>"], "commune_code": ["62498"],
        "commune": ["Lens"], "epci": ["CALL"], "lat": [50.4], "lon": [2.8], "theme": ["Gouvernance"],
        "participants": [None], "description": [""], "source": ["Rapport d'activité 2023 PMA"],
        "in_territory": [True],
    })
    raw["location"], raw["upcoming"] = ["inside"], [True]
    ev = events.prepare(raw)
    from pages._ui import escape_md
    line = events.list_items(ev, escape_md)[0]
    assert "<script>" not in line and "&lt;script&gt;" in line
    # The link's brackets escaped, and "http" broken by a word joiner so that no autolink forms.
    assert "\\*\\*gras\\*\\*" in line and "\\[lien\\]\\(h\u2060ttp" in line and "http:" not in line
    assert "participants : n.d." in line and "*à venir*" in line
    fig = events.timeline_figure(ev, date(2024, 1, 1))
    assert "<script>" not in fig.data[0].hovertext[0] and "&lt;b&gt;Lens&lt;/b&gt;" in fig.data[0].hovertext[0]
    fig = events.participants_figure(ev)
    assert fig.layout.title.text.startswith("Participants publiés (0 événements ; 1 sans nombre")


def test_timeline_bars_span_the_event_days(ev):
    fig = events.timeline_figure(ev, date(2026, 11, 27))
    bars = {t.name: t for t in fig.data}
    inside = bars[events.INSIDE]
    i = [h.startswith("<b>Parc en fête</b>") for h in inside.hovertext].index(True)
    assert pd.Timestamp(inside.base[i]) == pd.Timestamp("2023-07-01")
    assert inside.x[i] == 62 * 86_400_000          # 1 July to 31 August inclusive, in ms
    assert fig.layout.separators == ", "
    assert not fig.layout.shapes                    # "today" (2026) is outside 2023-2024: no marker


# ---------------------------------------------------------------- page

def test_page_default_view(conn, built_db):
    at = page()
    m = metrics(at)
    n, known, inside_people = conn.execute("""
        SELECT count(*), sum(participants),
               sum(participants) FILTER (commune_code IS NOT NULL OR place LIKE 'Chaîne des parcs%') FROM events
    """).fetchall()[0]
    assert m["Événements"][0] == fmt.number(n)
    assert m["Participants recensés"][0] == fmt.number(known)
    assert m["Participants (territoire)"][0] == fmt.number(inside_people)
    assert m["Retombées presse"][0] == "200\u00a0articles"
    latest = conn.execute("SELECT max(start_date) FROM events").fetchall()[0][0]
    assert m["Dernier événement"][0] == events.short_day(latest)
    table = at.dataframe[0].value
    assert len(table) == n and table["start_date"].iloc[0] == latest
    assert table["participants"].isna().sum() == n - conn.execute(
        "SELECT count(participants) FROM events").fetchall()[0][0]
    assert len(at.get("plotly_chart")) == 3
    assert [b.proto.label for b in at.get("download_button")] == ["Exporter en CSV (Excel)", "Exporter en XLSX"]


def test_page_filtered_by_year_commune_and_theme(conn, built_db):
    at = page(commune="62498", annee=2023)
    n = conn.execute("SELECT count(*) FROM events WHERE commune_code = '62498' AND year(start_date) = 2023"
                     ).fetchall()[0][0]
    n22 = conn.execute("SELECT count(*) FROM events WHERE commune_code = '62498' AND year(start_date) = 2022"
                       ).fetchall()[0][0]
    m = metrics(at)
    assert m["Événements"][0] == fmt.number(n)
    assert m["Dans le territoire / hors"][0] == f"{n} / 0"
    assert n22 == 0 and not m["Événements"][1]    # no change against an empty year
    at.pills(key="theme").set_value(["Chaîne des parcs"]).run()
    assert not at.exception
    expected = conn.execute("""SELECT title FROM events WHERE commune_code = '62498' AND year(start_date) = 2023
                               AND theme = 'Chaîne des parcs' ORDER BY start_date DESC""").fetchall()
    assert at.dataframe[0].value["title"].tolist() == [t for (t,) in expected]
    assert metrics(at)["Événements"][0] == fmt.number(len(expected))


def test_page_escapes_imported_titles(writable_db):
    with duckdb.connect(str(writable_db)) as c:
        c.execute("""INSERT INTO events (id, title, start_date, place, commune_code, theme, source)
                     VALUES ('evil', '<img src=x onerror=alert(1)> [clic](javascript:alert(1))', DATE '2024-12-01',
                             '<b>Lens</b>', '62498', 'Gouvernance', 'import test.csv')""")
    at = page()
    text = "\n".join(md.value for md in at.markdown)
    assert "<img" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
    assert "\\[clic\\]\\(javascript:\u2060alert\\(1\\)\\)" in text
    # The newest event heads the table, as plain text (the grid never renders HTML).
    assert at.dataframe[0].value["title"].iloc[0].startswith("<img src=x")


# ---------------------------------------------------------------- browser



@pytest.mark.browser
def test_theme_filter_lives_in_the_url_in_chromium(server, browser, conn):
    from conftest import offline_page, wait_ready

    n = conn.execute("SELECT count(*) FROM events WHERE theme = 'Chaîne des parcs'").fetchall()[0][0]
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page.goto(f"{server}/evenements?theme=Cha%C3%AEne+des+parcs")
    wait_ready(page)
    main = page.locator('[data-testid="stMain"]')
    page.wait_for_function(f"""() => document.querySelector('[data-testid="stMain"]')
                               .innerText.includes('{n} événement(s)')""")
    # The list renders after the count: wait for it rather than read a half-drawn page.
    page.wait_for_function("""() => document.querySelector('[data-testid="stMain"]')
                               .innerText.includes('Parc en fête')""", timeout=30_000)
    assert "Parc en fête" in main.inner_text()
    page.get_by_role("button", name="Gouvernance", exact=True).click()
    page.wait_for_function("() => location.search.includes('Gouvernance')")
    wait_ready(page)
    both = conn.execute("SELECT count(*) FROM events WHERE theme IN ('Chaîne des parcs', 'Gouvernance')"
                        ).fetchall()[0][0]
    page.wait_for_function(f"""() => document.querySelector('[data-testid="stMain"]')
                               .innerText.includes('{both} événement(s)')""")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert outside == []
    page.context.close()


def test_a_whole_agenda_is_counted_in_sql_and_paged(writable_db):
    """650 more events (an imported agenda): exact counts, the calendar per theme and month
    instead of one bar per event, and the table 100 rows a page, the page number kept."""
    with duckdb.connect(str(writable_db)) as c:
        c.execute("""INSERT INTO events (id, title, start_date, place, commune_code, theme, participants, source)
                     SELECT 'agenda-' || i, 'Concert n° ' || i, DATE '2023-01-01' + (i % 700)::INTEGER,
                            'Salle des fêtes', CASE WHEN i % 5 = 0 THEN NULL ELSE '62498' END, 'Concert',
                            CASE WHEN i % 2 = 0 THEN 100 END, 'import agenda.csv'
                     FROM range(650) t(i)""")
        n, known, people = c.execute("SELECT count(*), count(participants), sum(participants) FROM events").fetchall()[0]
        expected = [t for (t,) in c.execute("""SELECT title FROM events
                                              ORDER BY start_date DESC, title, id LIMIT 100 OFFSET 100""").fetchall()]
    at = page()
    m = metrics(at)
    assert n > events.TIMELINE_MAX and m["Événements"][0] == fmt.number(n)
    assert m["Participants recensés"][0] == fmt.number(people)
    # The calendar per theme and month, the participants chart of the 40 largest.
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    assert '"type":"heatmap"' in charts[0].proto.spec.replace(" ", "")
    assert f"les {events.PARTICIPANTS_TOP} événements les plus fréquentés sur {fmt.number(known)}" in charts[1].proto.spec
    assert len(at.dataframe[0].value) == events.PAGE_SIZE
    assert at.number_input(key="page").value == 1
    [after] = [b for b in at.button if b.label == "Page suivante"]
    after.click().run()
    assert at.number_input(key="page").value == 2
    assert at.dataframe[0].value["title"].tolist() == expected


def test_an_agenda_of_many_places_offers_the_most_frequent_and_any_other_by_its_name(writable_db):
    """Every place of a whole agenda went to every viewer in the « Lieu » choice (55 000 places:
    1.3 MB a view): the 300 most frequent of the area and year are offered, the help says how many
    there are in all, and another place, typed or linked, still filters."""
    with duckdb.connect(str(writable_db)) as c:
        c.execute("""INSERT INTO events (id, title, start_date, place, commune_code, theme, source)
                     SELECT 'lieu-' || i, 'Rencontre ' || i, DATE '2024-03-01', 'Salle n° ' || i, '62498', 'Concert',
                            'import agenda.csv'
                     FROM range(500) t(i)""")
        c.execute("""INSERT INTO events (id, title, start_date, place, commune_code, theme, source)
                     SELECT 'frequent-' || i, 'Marché ' || i, DATE '2024-04-01', 'Place du marché', '62498', 'Concert',
                            'import agenda.csv'
                     FROM range(3) t(i)""")
        total = c.execute("SELECT count(DISTINCT place) FROM events").fetchall()[0][0]
    at = page()
    box = at.selectbox(key="lieu")
    assert len(box.options) == 1 + events.PLACES_SHOWN
    assert "Place du marché" in box.options   # the most frequent are kept
    assert box.help == (f"Les {fmt.number(events.PLACES_SHOWN)} lieux les plus fréquents sur {fmt.number(total)} ; "
                        "tapez le nom exact d'un autre lieu pour le choisir.")
    rare = next(f"Salle n° {i}" for i in range(500) if f"Salle n° {i}" not in box.options)
    at = page(lieu=rare)
    assert metrics(at)["Événements"][0] == "1"
    assert at.dataframe[0].value["title"].tolist() == [f"Rencontre {rare.split('° ')[1]}"]


def test_an_area_without_a_published_participant_number_says_so_instead_of_an_empty_chart(conn, built_db):
    # #12: /evenements filtered on CAHC (one event, the ERBM follow-up committee, no number) drew
    # the participants chart as an empty log axis −1..4.
    assert conn.execute("""SELECT count(*), count(participants) FROM events v JOIN communes c ON c.code = v.commune_code
                           JOIN epci e ON e.code = c.epci_code WHERE e.short_name = 'CAHC'""").fetchall() == [(1, 0)]
    at = page(epci="CAHC")
    m = metrics(at)
    assert (m["Événements"][0], m["Participants recensés"][0], m["Dernier événement"][0]) == ("1", "n.d.", "16 janv. 2023")
    assert [i.value for i in at.info if "participants" in i.value] == [
        "L'événement sélectionné n'a pas de nombre de participants publié (n.d.) : pas de graphique des participants."]
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert len(titles) == 2 and not any("Participants" in t for t in titles)
    assert events.no_participants_text(12) == (
        "Aucun des 12 événements sélectionnés n'a de nombre de participants publié (n.d.) : "
        "pas de graphique des participants.")


@pytest.mark.parametrize("width, height", [(1280, 720), (390, 844)])
def test_the_event_cards_values_are_whole_at_1280_and_on_a_phone(server, browser, width, height):
    # #12: at four cards a row « Dernier événement » read « 16 janv. … » and « Retombées presse »
    # « 200 arti… » at 1280 × 720; three a row fit. Screenshots in test-artifacts/evenements/.
    from conftest import ROOT, wait_ready

    page = browser.new_page(viewport={"width": width, "height": height}, locale="fr-FR")
    page.goto(f"{server}/evenements?epci=CAHC")
    wait_ready(page)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= 7")
    cards = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => {
        const v = m.querySelector('[data-testid="stMetricValue"]'), d = v.querySelector('div') || v;
        return [m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(), v.innerText.trim(),
                d.scrollWidth > d.clientWidth];
    })""")
    assert cards == [["Événements", "1", False], ["Participants recensés", "n.d.", False],
                     ["Participants (territoire)", "n.d.", False], ["Dans le territoire / hors", "1 / 0", False],
                     ["Dernier événement", "16 janv. 2023", False], ["Retombées presse", "200\u00a0articles", False],
                     ["Projets labellisés Euralens", "70\u00a0projets", False]]
    out = ROOT / "test-artifacts" / "evenements"
    out.mkdir(parents=True, exist_ok=True)
    page.locator('[data-testid="stMetric"]').nth(4).scroll_into_view_if_needed()
    page.screenshot(path=str(out / f"cartes-cahc-{width}x{height}.png"))
    page.get_by_text("pas de graphique des participants").scroll_into_view_if_needed()
    page.screenshot(path=str(out / f"participants-cahc-{width}x{height}.png"))
    page.context.close()


# ---------------------------------------------------------------- sources (t12i finding 3)

def test_the_caption_cards_and_notes_name_the_sources_of_the_events_counted(writable_db):
    """An imported agenda was credited to « rapport d'activité 2023 du PMA » (the page's caption,
    the count's help, the notes' precautions), and the help's counts were unformatted (« 49923 »)."""
    with duckdb.connect(str(writable_db)) as c:
        c.execute("""INSERT INTO events (id, title, start_date, place, commune_code, theme, participants, source)
                     SELECT 'agenda-' || i, 'Concert n° ' || i, DATE '2024-01-01' + (i % 300)::INTEGER,
                            'Salle des fêtes', '62498', 'Concert', CASE WHEN i % 4 = 0 THEN 10 END,
                            'Import agenda.csv du 01/12/2026'
                     FROM range(1200) t(i)""")
        c.execute("""INSERT INTO events (id, title, start_date, place, commune_code, theme, source)
                     VALUES ('demo-1', 'Atelier généré', DATE '2024-02-01', 'Lens', '62498', 'Concert', 'démonstration')""")
    at = page()
    both = "Import agenda.csv du 01/12/2026 ; Rapport d'activité 2023 PMA ; démonstration"
    assert [shown(c.value) for c in at.caption if "événement(s) ·" in c.value] == [
        f"1{NNBSP}251 événement(s) · toutes les années · au {fmt.day(clock.today())} · source : {both}"]
    cards = {m.label: m for m in at.metric}
    assert shown(cards["Événements"].help) == f"Événements selon les filtres choisis ; source : {both}."
    # 15 of the report's 50 and 300 of the 1 200 imported have a number.
    assert shown(cards["Participants recensés"].help) == (
        f"Somme des participants publiés pour 315 événement(s) sur 1{NNBSP}251 ; "
        f"936 sans nombre publié (n.d.), non comptés comme zéro.")
    # Only the imported agenda: no report anywhere.
    at.pills(key="theme").set_value(["Concert"]).run()
    imported = "Import agenda.csv du 01/12/2026 ; démonstration"
    assert [shown(c.value) for c in at.caption if "événement(s) ·" in c.value] == [
        f"1{NNBSP}201 événement(s) · toutes les années · au {fmt.day(clock.today())} · source : {imported}"]
    assert shown({m.label: m for m in at.metric}["Événements"].help) == f"Événements selon les filtres choisis ; source : {imported}."
    assert events.caveats("Import agenda.csv du 01/12/2026 ; démonstration") == (
        "événements importés : titres, dates, lieux et participants tels que le fichier les donne "
        "(participants vides = n.d., jamais 0). événements de démonstration, générés : à ne pas citer.")
    assert events.caveats("Rapport d'activité 2023 PMA").startswith("événements datés cités par le rapport 2023")
    assert "importés" not in events.caveats("Rapport d'activité 2023 PMA")
    assert events.caveats(None) == "n.d." and events.origin(None) == "n.d."


def test_the_overview_events_card_names_its_sources_too():
    from ecotransition.core.selection import Selection
    from ecotransition.surfaces import overview as ov

    frame = pd.DataFrame({
        "title": ["Concert", "Forum", "Atelier"], "start_date": pd.to_datetime(["2024-03-01", "2024-06-30", "2024-07-01"]),
        "year": [2024, 2024, 2024], "commune": ["Lens", "Ruitz", "Lens"],
        "participants": pd.array([100, None, None], dtype="Int64"), "in_territory": [True, True, True],
        "source": ["Import agenda.csv du 01/12/2026", "Rapport d'activité 2023 PMA", "Import agenda.csv du 01/12/2026"],
    })
    [count, _] = ov.event_kpis(frame, 2024, Selection())
    assert count.source == "Import agenda.csv du 01/12/2026 ; Rapport d'activité 2023 PMA"
    assert count.help == "Événements de 2024 ; source : Import agenda.csv du 01/12/2026 ; Rapport d'activité 2023 PMA."
    [count, _] = ov.event_kpis(frame.iloc[[0]], 2024, Selection())
    assert "Rapport" not in count.source + count.help


# ---------------------------------------------------------------- next event (t12i finding 7)

def test_an_event_under_way_is_not_the_next_one_on_the_page_nor_on_the_screen(writable_db):
    """« Prochain événement 6 mars 2025 » on 12 March for an event of 6–12 March, and the screen's
    slide led by it: the next event is the next to start (macros.sql's event_ahead, events.starts_ahead)."""
    from ecotransition.surfaces import screen

    with duckdb.connect(str(writable_db)) as c:
        c.execute("""INSERT INTO events (id, title, start_date, end_date, place, commune_code, theme, source)
                     VALUES ('a', 'Atelier en cours', DATE '2025-03-06', DATE '2025-03-12', 'Lens', '62498', 'Culture', 'Import a.csv'),
                            ('b', 'Exposition longue', DATE '2025-01-10', DATE '2025-12-31', 'Lens', '62498', 'Culture', 'Import a.csv'),
                            ('c', 'Balade du printemps', DATE '2025-03-20', NULL, 'Lens', '62498', 'Culture', 'Import a.csv'),
                            ('d', 'Fête du jour', DATE '2025-03-12', NULL, 'Lens', '62498', 'Culture', 'Import a.csv')""")
        today = date(2025, 3, 12)
        s = sql.run(c, "events_summary", **events.args("events_summary", events.selection(today)))
        assert (int(s["under_way"].iloc[0]), int(s["ahead"].iloc[0])) == (2, 2)
        cards = {k.label: k for k in events.kpis(s, None, pd.DataFrame(columns=["id"]), today)}
        assert cards["Prochain événement"].value == "12 mars 2025"
        assert cards["Prochain événement"].help == (
            "Fête du jour — 12 mars 2025 ; 2 événement(s) en cours au 12 mars 2025, non comptés comme prochains")
        later = sql.run(c, "events_summary", **events.args("events_summary", events.selection(date(2025, 3, 13))))
        cards = {k.label: k for k in events.kpis(later, None, pd.DataFrame(columns=["id"]), date(2025, 3, 13))}
        assert cards["Prochain événement"].value == "20 mars 2025"
        slide = screen.build("evenements", lambda name, **p: sql.run(c, name, **p), today=date(2025, 3, 13))
        assert slide.title == "Prochains événements"
        assert [i.title for i in slide.items] == ["Balade du printemps"]
        # The same rule in SQL and on rows already read.
        for start in (date(2025, 3, 6), date(2025, 3, 12), date(2025, 3, 20)):
            assert c.execute("SELECT event_ahead($s, $t)", {"s": start, "t": today}).fetchall()[0][0] \
                == events.starts_ahead(start, today)
    # None ahead: the most recent, the ones under way saying until when.
    with duckdb.connect(str(writable_db)) as c:
        slide = screen.build("evenements", lambda name, **p: sql.run(c, name, **p), today=date(2025, 3, 21))
    assert slide.title == "Derniers événements"
    assert [(i.title, i.detail) for i in slide.items[:2]] == [
        ("Balade du printemps", "Lens"), ("Fête du jour", "Lens")]
    assert ("Exposition longue", "Lens · en cours jusqu'au 31 décembre 2025") in [(i.title, i.detail) for i in slide.items]


def test_an_agenda_of_many_sources_is_named_in_a_few_words():
    # A re-check tester's N3: 300 events, each naming its organiser as `source`: every caption and help
    # of /evenements held 12 000 characters of sources, the report's last.
    organisers = [f"Association n°{k}" for k in range(300)]
    said = events.origin(organisers + ["Import ag.csv du 01/12/2026", "Rapport d'activité 2023 PMA"])
    assert said == ("Rapport d'activité 2023 PMA ; Import ag.csv du 01/12/2026 ; Association n°0 ; "
                    "et 299 autres sources (colonne « Source » de la liste)")
    assert events.origin(["A", "B ; C", "D"]) == "A ; B ; C ; D"      # up to four, each named
