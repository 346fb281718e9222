"""Freshness per dataset (registry rhythm, app clock) on the panels, the catalogue and the forum
screen, which leaves out the slides whose data are too old."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, ROOT, catalogue_shown, open_page, shown
from ecotransition.core import clock
from ecotransition.data import freshness, registry, sql
from ecotransition.imports import catalogue
from ecotransition.surfaces import screen


def test_every_dataset_with_a_rhythm_has_a_date(gaps):
    dates = sql.run(gaps, "dataset_dates")
    assert set(dates["dataset"]) == set(registry.WITH_RHYTHM) == {
        "counter_measures", "cadastre_usage", "solar_production", "indicators"}
    got = dict(zip(dates["dataset"], pd.to_datetime(dates["data_date"]).dt.date))
    assert got["counter_measures"] == date(2025, 1, 10) and got["solar_production"] == date(2024, 12, 31)


def test_counters_are_late_after_a_week_enedis_after_the_year_that_follows():
    week = freshness.freshness("counter_measures", date(2024, 12, 31), date(2025, 1, 8))
    assert (week.late, week.text, week.warning) == (False, "Données au 31 décembre 2024", None)
    late = freshness.freshness("counter_measures", "2024-12-31", date(2025, 1, 9))
    assert late.late and late.age_days == 9
    assert late.warning == "En retard : dernière donnée le 31 décembre 2024, attendue chaque semaine"
    assert late.status == "en retard : dernière donnée le 31 décembre 2024, attendue chaque semaine"
    # Enedis publishes the year N during N+1: 2024 is late once 2026 is over.
    assert not freshness.freshness("solar_production", date(2024, 12, 31), date(2026, 12, 31)).late
    assert freshness.freshness("solar_production", date(2024, 12, 31), date(2027, 1, 1)).warning == (
        "En retard : dernière donnée le 31 décembre 2024, attendue chaque année")
    # No rhythm (events come as they come), or no data: never late.
    assert not freshness.freshness("events", date(2020, 1, 1), date(2026, 1, 1)).late
    assert freshness.freshness("counter_measures", None, date(2026, 1, 1)).text == "Données : date n.d."
    assert freshness.freshness("cadastre_usage", date(2024, 5, 1), date(2024, 5, 2)).status == (
        "à jour (données au 1er mai 2024)")


def test_the_app_clock_can_be_fixed(monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2025-03-04")
    assert clock.today() == date(2025, 3, 4)
    assert clock.today_warning() is None


@pytest.mark.parametrize("value", ["15/01/2025", "demain", "4 mars", "2025-02-30"])
def test_a_mistyped_app_day_falls_back_to_the_real_day_with_a_french_warning(monkeypatch, value):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 30, 16, 40))
    monkeypatch.setenv("ECOTRANSITION_TODAY", value)
    assert clock.today() == date(2026, 11, 30)
    assert clock.today_warning() == (f"ECOTRANSITION_TODAY = « {value} » est refusé : il faut une date AAAA-MM-JJ "
                                     "(par exemple 2026-11-30). Le jour réel (30 novembre 2026) est utilisé.")


def test_pages_and_the_screen_run_on_under_a_mistyped_app_day(built_db, monkeypatch):
    monkeypatch.setattr(screen, "CACHE", screen.LastGood())
    monkeypatch.setenv("ECOTRANSITION_TODAY", "15/01/2025")
    at = open_page("pages/chaine-des-parcs.py")
    warned = [w.value for w in at.warning if "ECOTRANSITION_TODAY" in shown(w.value)]
    assert len(warned) == 1 and shown(warned[0]).startswith(
        "Réglage du jour de l'application : ECOTRANSITION_TODAY = « 15/01/2025 » est refusé : "
        "il faut une date AAAA-MM-JJ"), warned
    assert "Le jour réel" in shown(warned[0])
    # The room's screen shows its slide, no error and no settings box.
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["diapos"] = "parcs"
    at.run()
    at.switch_page("pages/ecran.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [w for w in at.warning if "ECOTRANSITION_TODAY" in shown(w.value)]
    text = "\n".join(h.proto.body for h in at.get("html") if not h.proto.body.startswith("<style>"))
    assert 'data-slide="parcs"' in text


def test_the_catalogue_says_which_dataset_is_late():
    datasets = pd.DataFrame({"dataset": ["counter_measures", "events"], "rows": [10, 2], "demo_rows": [10, 0],
                             "sources": ["démonstration", "x"], "last_loaded": [pd.NaT, pd.NaT],
                             "last_attempt": [pd.NaT, pd.NaT], "last_status": [None, None], "attempts": [0, 0]})
    fresh = {"counter_measures": freshness.freshness("counter_measures", date(2024, 12, 31), date(2025, 6, 1))}
    table = catalogue.catalogue_table(datasets, pd.DataFrame(), fresh, {"counter_measures": "3 jours-canaux signalés"})
    row = table.set_index("Nom technique")
    assert row.at["counter_measures", "Fraîcheur"] == (
        "en retard : dernière donnée le 31 décembre 2024, attendue chaque semaine")
    assert row.at["counter_measures", "Anomalies signalées"] == "3 jours-canaux signalés"
    assert (row.at["events", "Fraîcheur"], row.at["events", "Anomalies signalées"]) == ("—", "—")


def test_the_catalogue_page_shows_freshness_and_flags(built_db, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2025-01-02")
    at = open_page("pages/donnees.py")
    row = catalogue_shown(at).set_index("Nom technique")
    assert row.at["counter_measures", "Fraîcheur"] == "à jour (données au 31 décembre 2024)"
    assert row.at["indicators", "Fraîcheur"] == "à jour (données au 31 décembre 2023)"
    # The demo's 2020 lockdown stays a drop while it lasts (a level from the days before a fall).
    assert row.at["counter_measures", "Anomalies signalées"] == (
        "173 jours-canaux signalés sur 22\u202f852 (zéros prolongés 7, valeur figée 1, baisse soudaine 57, "
        "hausse soudaine 1, lacune 107)")
    assert not at.warning
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2025-02-01")
    at = open_page("pages/donnees.py")
    assert [w.value for w in at.warning] == [
        "Jeux de données en retard sur leur rythme de mise à jour : Compteurs – mesures — en retard : dernière "
        "donnée le 31 décembre 2024, attendue chaque semaine ; Fréquentation du cadastre solaire — en retard : "
        "dernière donnée le 31 décembre 2024, attendue chaque jour."]


def test_each_panel_shows_its_own_date(built_db, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2025-03-01")
    at = open_page("pages/chaine-des-parcs.py")
    assert [w.value for w in at.warning] == [
        "**Compteurs – mesures** — En retard : dernière donnée le 31 décembre 2024, attendue chaque semaine."]
    at = open_page("pages/solaire.py")
    captions = [c.value for c in at.caption]
    assert "Production solaire par commune : données au 31 décembre 2024" in captions
    assert [w.value for w in at.warning] == [
        "**Fréquentation du cadastre solaire** — En retard : dernière donnée le 31 décembre 2024, attendue chaque jour."]


# ---------------------------------------------------------------- the forum screen

def test_the_screen_limit_is_a_url_setting():
    assert screen.settings({}).max_age_months == 36
    assert screen.settings({"anciennete": "12"}).max_age_months == 12
    assert screen.settings({"anciennete": "douze"}).max_age_months == 36
    assert screen.settings({"anciennete": "0"}).max_age_months == 1
    assert screen.settings({"anciennete": "999"}).max_age_months == 240


def test_each_slide_has_its_own_date_and_old_ones_leave_the_show(conn):
    def fetch(q, **p):
        return sql.run(conn, q, **p)

    today = date(2026, 11, 30)
    dates = screen.slide_dates(fetch, list(screen.SLIDES), today)
    assert dates == {"chiffres": date(2023, 12, 31), "solaire": date(2024, 12, 31), "parcs": date(2024, 12, 31),
                     "evenements": date(2024, 7, 3), "investissements": date(2023, 12, 31)}
    assert screen.build("parcs", fetch, today=today).date_text == "Données au 31 décembre 2024"
    config = screen.settings({})
    # 30 November 2026: the 2023 figures are 35 months old, under the 36 of the default.
    assert screen.fresh_settings(config, dates, today).slides == tuple(screen.SLIDES)
    # 1 January 2027: 36 months, too old; the 2024 series stay.
    assert screen.fresh_settings(config, dates, date(2027, 1, 1)).slides == ("solaire", "parcs", "evenements")
    short = screen.settings({"anciennete": "12"})
    assert screen.fresh_settings(short, dates, date(2025, 7, 2)).slides == ("solaire", "parcs", "evenements")
    assert screen.fresh_settings(short, dates, date(2025, 12, 30)).slides == ("solaire", "parcs")
    assert screen.fresh_settings(short, dates, date(2030, 1, 1)).slides == (screen.NO_RECENT,)
    assert screen.build(screen.NO_RECENT, fetch).message.startswith("Les chiffres de l'écran sont en cours de mise à jour")


def screen_html(monkeypatch, today: str, slides: str) -> str:
    """The HTML of /ecran's slide (styles left out) on the app's day `today`, showing `slides`."""
    monkeypatch.setattr(screen, "CACHE", screen.LastGood())
    monkeypatch.setenv("ECOTRANSITION_TODAY", today)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["diapos"] = slides
    at.run()
    at.switch_page("pages/ecran.py")
    at.run()
    return "\n".join(h.proto.body for h in at.get("html") if not h.proto.body.startswith("<style>"))


def test_the_screen_leaves_out_a_slide_too_old(built_db, monkeypatch):
    text = screen_html(monkeypatch, "2027-06-01", "chiffres,parcs")
    # chiffres (2023) is 41 months old: only parcs is shown, with its own date, and counted 1/1.
    assert 'data-slide="parcs"' in text and 'data-slide="chiffres"' not in text
    assert "Données au 31 décembre 2024" in text and "1/1" in text


def test_a_slide_is_dated_by_the_period_of_its_figures(gaps):
    # The counters of the gaps fixture count to 10 January 2025, but the slide shows 2024, the
    # last year counted to 31 December: its date is the end of 2024, not the last day counted.
    def fetch(q, **p):
        return sql.run(gaps, q, **p)

    today = date(2025, 2, 1)
    assert sql.run(gaps, "dataset_dates").set_index("dataset").loc["counter_measures", "data_date"] == \
        pd.Timestamp("2025-01-10")
    slide = screen.build("parcs", fetch, today=today)
    assert [f.year for f in slide.figures][:1] == ["2024"]
    assert slide.date_text == "Données au 31 décembre 2024"
    assert screen.slide_dates(fetch, ["parcs", "solaire"], today) == {"parcs": date(2024, 12, 31),
                                                                       "solaire": date(2024, 12, 31)}
    # The slide saying the figures are being updated has no figures, so no date.
    assert screen.build(screen.NO_RECENT, fetch, today=today).date_text == ""


def test_the_updating_slide_shows_no_stale_date(built_db, monkeypatch):
    text = screen_html(monkeypatch, "2040-06-01", "chiffres,parcs")
    assert f'data-slide="{screen.NO_RECENT}"' in text and "en cours de mise à jour" in text
    assert '<div class="stamp"></div>' in text and "Données au" not in text


# ---------------------------------------------------------------- one clock for "today"

def test_no_module_or_page_reads_the_calendar_day_but_the_app_clock():
    # Real time stays for durations and timestamps (the screen's rotation, logins, imports); the
    # day the dashboard shows or judges against is clock.today() (ECOTRANSITION_TODAY).
    root = Path(__file__).resolve().parent.parent
    found = []
    for path in [*sorted((root / "ecotransition").rglob("*.py")), *sorted((root / "pages").glob("*.py")),
                 root / "dashboard.py"]:
        if path.name == "clock.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"date\.today\(\)|datetime\.today\(\)|fromtimestamp\(|Timestamp\.(now|today)\(|"
                         r"clock\.now\(\)\.date\(\)", line):
                found.append(f"{path.relative_to(root)}:{n}")
    assert found == []


def test_the_events_page_and_the_screens_events_follow_the_app_day(built_db, monkeypatch):
    monkeypatch.setattr(screen, "CACHE", screen.LastGood())
    # 1 June 2024: Parc en fête and the forum of 2024 are still to come.
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2024-06-01")
    at = open_page("pages/evenements.py")
    assert any(" · au 1er juin 2024 · " in c.value for c in at.caption), [c.value for c in at.caption]
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["diapos"] = "evenements"
    at.run()
    at.switch_page("pages/ecran.py")
    at.run()
    text = "\n".join(h.proto.body for h in at.get("html") if not h.proto.body.startswith("<style>"))
    assert "Prochains événements" in text and "Derniers événements" not in text
    # #12, item 10: the slide of events to come says the day they are listed as of, as the page does.
    assert '<div class="stamp">Agenda au 1er juin 2024</div>' in text


def test_the_readmes_lateness_table_is_the_registrys():
    # t12g finding 7: the README said « a day » for the solar cadastre, the registry 3 days.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    # A re-check tester's N4: the yearly rule is calendar years, « year N+3 begins », not 730 days.
    rows = re.findall(r"^\s*\| `(\w+)` \| ([^|]+?) \| ([^|]+?) \|\s*$",
                      text.split("Freshness: each dataset")[1].split("## ")[0], flags=re.M)
    assert rows == [("indicators", "year N+3 begins", "chaque année"),
                    ("solar_production", "year N+3 begins", "chaque année"),
                    ("cadastre_usage", "3 days", "chaque jour"), ("counter_measures", "8 days", "chaque semaine")]
    assert rows == [(d.table, d.lateness, d.expected) for d in registry.REGISTRY if d.lateness is not None]


@pytest.mark.parametrize("dataset", ["indicators", "solar_production"])
def test_yearly_figures_are_late_once_the_calendar_year_begins_whatever_the_leap_day(dataset):
    # A re-check tester's N4: 730 days after 31/12/2023 (2024 has 366 days) made 2023's figures
    # late on 31/12/2025, a day before 2026 begins; without a leap year the days agreed.
    def late(as_of, today):
        return freshness.freshness(dataset, as_of, today).late

    assert (late(date(2023, 12, 31), date(2025, 12, 30)), late(date(2023, 12, 31), date(2025, 12, 31)),
            late(date(2023, 12, 31), date(2026, 1, 1))) == (False, False, True)
    # The leap year as N+2 (2024 for 2022's figures, 2028 for 2026's): 731 days, still 1 January.
    assert (late(date(2022, 12, 31), date(2024, 12, 31)), late(date(2022, 12, 31), date(2025, 1, 1))) == (False, True)
    assert (late(date(2026, 12, 31), date(2028, 12, 31)), late(date(2026, 12, 31), date(2029, 1, 1))) == (False, True)
    assert registry.get(dataset).late_from(date(2023, 12, 31)) == date(2026, 1, 1)
    assert freshness.freshness(dataset, date(2023, 12, 31), date(2026, 1, 1)).warning == (
        "En retard : dernière donnée le 31 décembre 2023, attendue chaque année")
    # The daily and weekly rhythms keep their day counts: 3 days, then 8.
    assert registry.get("cadastre_usage").late_from(date(2024, 2, 27)) == date(2024, 3, 2)
    assert registry.get("counter_measures").late_from(date(2024, 2, 27)) == date(2024, 3, 7)


# t12h finding 6: the map and the fiche commune said nothing of their data's age.
LATE_2027 = {
    "solar_production": "Production solaire par commune — En retard : dernière donnée le 31 décembre 2024, "
                        "attendue chaque année",
    "counter_measures": "Compteurs – mesures — En retard : dernière donnée le 31 décembre 2024, attendue chaque semaine",
    "indicators": "Indicateurs clés — En retard : dernière donnée le 31 décembre 2023, attendue chaque année",
}


def _warned(dataset: str) -> str:
    """The page's warning: the dataset's label in bold."""
    label, text = LATE_2027[dataset].split(" — ")
    return f"**{label}** — {text}."


def test_map_metrics_name_their_datasets():
    from ecotransition.core import metrics
    from ecotransition.surfaces import maps

    with_rhythm = {d.table for d in registry.REGISTRY if d.lateness is not None}
    assert all(set(m.datasets) <= with_rhythm for m in metrics.METRICS.values())
    assert {k: i.datasets for k, i in maps.INDICATORS.items() if i.datasets} == {
        "pv_sites_per_1000": ("solar_production",), "pv_energy_mwh": ("solar_production",),
        "solar_uptake": ("solar_production",), "visits": ("counter_measures",)}
    assert maps.DATASETS == ("solar_production", "counter_measures")


def test_the_map_says_how_late_its_indicator_and_the_profile_are(built_db, monkeypatch):
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2027-01-05")
    for short, first in (("Production PV", "solar_production"), ("Passages comptés", "counter_measures"),
                         ("Événements", None)):
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["indicateur"] = short
        at.query_params["commune"] = "62498"
        at.run()
        at.switch_page("pages/carte.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        # The indicator's dataset above the map, the profile's others beside it: each once.
        order = [first] if first else []
        order += [d for d in ("solar_production", "counter_measures") if d != first]
        assert [shown(w.value) for w in at.warning] == [_warned(d) for d in order], short


def test_the_fiche_says_how_late_its_data_are_on_the_page_and_in_the_pdf(built_db, monkeypatch, tmp_path):
    import subprocess

    from ecotransition.surfaces import fiche as fiches
    from ecotransition.surfaces import fiche_pdf, maps

    monkeypatch.setenv("ECOTRANSITION_TODAY", "2027-01-05")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["code"] = "62498"
    at.switch_page("pages/commune.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # Lens has targets: the report's indicators they follow are dated too.
    assert [shown(w.value) for w in at.warning] == [_warned(d) for d in LATE_2027]
    import duckdb

    with duckdb.connect(str(built_db), read_only=True) as conn:
        data = maps.load_data(lambda name, **p: sql.run(conn, name, **p))
        dates = sql.run(conn, "dataset_dates")
        f = fiches.build(data, "62498", None, None, sql.run(conn, "indicators_zones"), sql.run(conn, "indicator_series"))
    assert f.datasets == tuple(LATE_2027)
    notes = freshness.notes(freshness.of_dates(dates, date(2027, 1, 5)), f.datasets)
    path = tmp_path / "f.pdf"
    path.write_bytes(fiche_pdf.render(f, date(2027, 1, 5), notes))
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for line in LATE_2027.values():
        assert " ".join(line.split()) + "." in text
    # A year earlier, on time: « données au … », no warning.
    notes = freshness.notes(freshness.of_dates(dates, date(2025, 1, 2)), f.datasets)
    assert [n.line for n in notes] == ["Production solaire par commune : données au 31 décembre 2024",
                                       "Compteurs – mesures : données au 31 décembre 2024",
                                       "Indicateurs clés : données au 31 décembre 2023"]


@pytest.mark.parametrize("page_file, figures", [
    ("pages/investissements.py", ("Investissements industriels privés depuis 2020", "Nouveaux emplois annoncés")),
    ("pages/evenements.py", ("Retombées presse", "Projets labellisés Euralens")),
    ("pages/solaire.py", ("Potentiel des toitures", "Cadastre solaire : 2 mois")),
    ("pages/chaine-des-parcs.py", ("Hectares de parcs", "Voies vertes")),   # a re-check tester's variant
])
def test_pages_showing_indicator_figures_say_when_the_indicators_are_late(built_db, monkeypatch, page_file, figures):
    """t12i finding 5: the indicators (latest 2023) are late once 2026 begins; the pages that show
    their figures said so nowhere. Each card's datasets (Kpi.datasets) go to freshness_notes."""
    late = "**Indicateurs clés** — En retard : dernière donnée le 31 décembre 2023, attendue chaque année."
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2027-01-05")
    at = open_page(page_file)
    labels = [shown(m.label) for m in at.metric]
    assert all(f in labels for f in figures), labels
    assert [w.value for w in at.warning].count(late) == 1
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2025-06-01")
    at = open_page(page_file)
    assert "Indicateurs clés : données au 31 décembre 2023" in [c.value for c in at.caption]
    assert not [w.value for w in at.warning if "Indicateurs" in w.value]


@pytest.mark.parametrize("as_of, today, months", [
    (date(2023, 12, 31), date(2026, 11, 30), 35),   # was 34: November has no 31st
    (date(2023, 12, 31), date(2026, 11, 29), 34),
    (date(2023, 12, 31), date(2026, 12, 31), 36),
    (date(2024, 1, 31), date(2024, 2, 29), 1),      # leap February's last day
    (date(2024, 1, 31), date(2024, 2, 28), 0),
    (date(2023, 1, 31), date(2023, 2, 28), 1),
    (date(2024, 3, 30), date(2024, 4, 30), 1),
    (date(2024, 3, 31), date(2024, 4, 29), 0),
    (date(2024, 3, 15), date(2024, 4, 14), 0),
    (date(2024, 3, 15), date(2024, 4, 15), 1),
    (date(2024, 2, 29), date(2025, 2, 28), 12),
    (None, date(2024, 1, 1), None),
])
def test_months_old_counts_a_month_whole_on_a_months_last_day(as_of, today, months):
    assert freshness.months_old(as_of, today) == months


def test_the_screen_age_limit_leaves_a_slide_out_on_the_last_day_of_a_short_month():
    """t12i finding 10: with anciennete=35 the « chiffres » slide (data to 31/12/2023) was still
    shown on 30/11/2026, hidden only from 01/12/2026."""
    dates = {"chiffres": date(2023, 12, 31), "parcs": date(2024, 12, 31)}
    config = screen.settings({"anciennete": "35", "diapos": "chiffres,parcs"})
    assert (config.max_age_months, config.slides) == (35, ("chiffres", "parcs"))
    assert screen.fresh_settings(config, dates, date(2026, 11, 29)).slides == ("chiffres", "parcs")
    assert screen.fresh_settings(config, dates, date(2026, 11, 30)).slides == ("parcs",)
