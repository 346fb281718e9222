"""Trajectories toward targets: the status rule, its exact values on a fixture, the import of targets,
and the surfaces that show them (overview card, thematic page, fiche, screen)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, rows
from ecotransition.core import trajectory
from ecotransition.core.kpi import from_indicator
from ecotransition.core.trajectory import AHEAD, BEHIND, ON, Trajectory
from ecotransition.data import sql
from ecotransition.data.db import open_readonly
from ecotransition.imports import LOADED, REFUSED, import_file
from ecotransition.surfaces import fiche, maps, targets

NNBSP, NBSP = "\u202f", "\xa0"


# --------------------------------------------------------------------------- the rule

def test_ahead_on_and_behind_with_the_gap_in_the_unit():
    jobs = Trajectory(2020, 0, 2025, 4000)
    s = jobs.status(2023, 4000)
    assert (s.state, s.expected, s.gap) == (AHEAD, 2400, 1600)
    assert jobs.status_text(s, "emplois") == f"en avance de 1{NNBSP}600{NBSP}emplois sur la trajectoire 2020–2025 en 2023"
    local = Trajectory(2020, 0, 2025, 2000)
    s = local.status(2024, 1280)
    assert (s.state, s.expected, s.gap) == (BEHIND, 1600, -320)
    assert local.status_text(s, "emplois") == f"en retard de 320{NBSP}emplois sur la trajectoire 2020–2025 en 2024"
    roofs = Trajectory(2020, 2, 2025, 12)          # tolerance: 5 % of 10 = 0,5
    assert roofs.status(2024, 10.2).state == ON
    assert roofs.status(2024, 10.5).state == ON       # on the band's edge
    assert roofs.status(2024, 10.6).state == AHEAD
    assert roofs.status(2024, 9.4).state == BEHIND
    assert roofs.status_text(roofs.status(2024, 10.2), "toitures") == "sur la trajectoire 2020–2025 en 2024"
    # Past the target year the path is the target itself.
    assert jobs.expected(2027) == 4000 and jobs.expected(2020) == 0


def test_lower_is_better_when_the_indicator_should_fall():
    emissions = Trajectory(2020, 100, 2030, 50, direction="down")
    s = emissions.status(2025, 70)           # 75 expected: 5 below is ahead
    assert (s.state, s.gap) == (AHEAD, 5)
    assert emissions.status(2025, 80).state == BEHIND


def test_a_trajectory_needs_both_ends_in_order():
    base = dict(target=4000, target_year=2025, reference=0, reference_year=2020, direction="up", source="x")
    assert trajectory.from_row(base) == Trajectory(2020, 0, 2025, 4000)
    assert trajectory.from_row({**base, "reference": None}) is None
    assert trajectory.from_row({**base, "reference_year": 2025}) is None
    assert trajectory.from_row({**base, "source": "démonstration"}).demo


def test_the_card_states_target_and_status():
    card = from_indicator(dict(label="Nouveaux emplois annoncés", value=4000, unit="emplois", year=2023, target=4000,
                               target_year=2025, reference=0, reference_year=2020, direction="up",
                               source="Rapport d'activité 2023 PMA"))
    assert card.target == (f"objectif 4{NNBSP}000{NBSP}emplois en 2025 · en avance de 1{NNBSP}600{NBSP}emplois "
                           "sur la trajectoire 2020–2025 en 2023")
    demo = from_indicator(dict(label="Toitures", value=10.2, unit="toitures", year=2024, target=12, target_year=2025,
                               reference=2, reference_year=2020, direction="up", source="démonstration"))
    assert demo.target.startswith("objectif de démonstration 12") and "(démonstration)" in demo.target


# --------------------------------------------------------------------------- the fixture

@pytest.fixture(scope="module")
def tracked_all(gaps_db):
    c = open_readonly(gaps_db)
    try:
        latest, series = sql.run(c, "indicators_zones"), sql.run(c, "indicator_series")
        data = maps.load_data(lambda name, **p: sql.run(c, name, **p))
    finally:
        c.close()
    return latest, series, data


def test_statuses_on_the_fixture(tracked_all):
    latest, series, _ = tracked_all
    items = targets.tracked(latest, series, zones=("PMA", "CALL", "62498"))
    got = {(t.id, t.zone): (t.status.state, t.status.year, t.status.gap) for t in items}
    assert got == {("emplois_annonces", "PMA"): (AHEAD, 2023, 1600),
                   ("emplois_locaux", "CALL"): (BEHIND, 2024, -320),
                   ("toitures_communales", "62498"): (ON, 2024, pytest.approx(0.2))}
    call = next(t for t in items if t.zone == "CALL")
    assert list(call.series["year"]) == [2022, 2024] and call.status_text == (
        f"en retard de 320{NBSP}emplois sur la trajectoire 2020–2025 en 2024")
    assert [t.zone for t in targets.tracked(latest, series, zones=("CAHC",))] == []


def test_the_fiche_shows_its_commune_and_agglomeration_targets(tracked_all):
    latest, series, data = tracked_all
    lens = fiche.build(data, "62498", indicators=latest, series=series)
    assert [(t.zone, t.status.state) for t in lens.goals] == [("62498", ON), ("CALL", BEHIND)]
    assert lens.goals[0].traj.demo and not lens.goals[1].traj.demo
    assert fiche.build(data, "62215", indicators=latest, series=series).goals == []


# --------------------------------------------------------------------------- import

def test_targets_import_with_the_indicators(writable_db, tmp_path):
    good = tmp_path / "objectifs.csv"
    good.write_text("id;annee;libelle;valeur;unite;cible;annee_cible;zone;valeur_reference;annee_reference;source\n"
                    "emplois_locaux;2024;Emplois locaux;1280;emplois;2000;2025;call;0;2020;Essai\n"
                    "emplois_locaux;2024;Emplois locaux;12;emplois;30;2026;62498;5;2020;Essai\n", encoding="utf-8")
    result = import_file("indicators", good, writable_db)
    assert result.status == LOADED and result.rows_loaded == 2, result.message
    assert rows(writable_db, "SELECT zone, value, reference, reference_year FROM indicators "
                             "WHERE id = 'emplois_locaux' ORDER BY zone") == [
        ("62498", 12.0, 5.0, 2020), ("CALL", 1280.0, 0.0, 2020)]
    bad = tmp_path / "mauvais.csv"
    bad.write_text("id;annee;libelle;valeur;cible;annee_cible;zone;valeur_reference;annee_reference;source\n"
                   "a;2024;A;1;10;2026;Paris;;;Essai\n"
                   "b;2024;B;1;10;2026;PMA;5;;Essai\n"
                   "c;2024;C;1;10;2020;PMA;5;2021;Essai\n", encoding="utf-8")
    before = rows(writable_db, "SELECT count(*) FROM indicators")
    result = import_file("indicators", bad, writable_db)
    assert result.status == REFUSED
    assert [(i.line, i.column) for i in result.issues] == [(2, "zone"), (3, "annee_reference"), (4, "annee_reference")]
    assert "zone inconnue" in result.issues[0].reason
    assert "la valeur et l'année de référence vont ensemble" in result.issues[1].reason
    assert "l'année de référence doit précéder l'année de l'objectif" in result.issues[2].reason
    assert rows(writable_db, "SELECT count(*) FROM indicators") == before


# --------------------------------------------------------------------------- pages

def test_overview_draws_the_real_jobs_target(built_db):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert "trajectoire-emplois_annonces-PMA" in [c.key for c in at.get("plotly_chart")]
    status = [m.value for m in at.markdown if m.value.startswith("**Nouveaux emplois annoncés**")]
    assert status and "en avance de 1\u202f600\xa0emplois sur la trajectoire 2020–2025 en 2023" in status[0]
    # The report's target is not a demonstration; the local ones are marked as such.
    assert not any("démonstration" in s for s in status)
