"""The hand-curated seed files say exactly what the PMA 2023 activity report says.

Reads data/seed/{events,investments,park_sites,indicators}.csv with the csv module only
(no Streamlit, no database) and checks key facts, the controlled vocabularies, and that
every commune_code is one of the 150 PMA communes of data/seed/communes.csv.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"
SOURCE = "Rapport d'activité 2023 PMA"

HEADERS = {
    "events.csv": "id,title,start_date,end_date,place,commune_code,lat,lon,theme,participants,description,source",
    "investments.csv": "id,name,company,sector,commune_code,lat,lon,amount_eur,jobs,status,announced_year,description,source",
    "park_sites.csv": "id,name,commune_code,lat,lon,area_ha,kind,opened,description,source",
    "indicators.csv": "id,year,label,theme,unit,value,target,target_year,direction,note,source,zone,reference,"
                      "reference_year",
}
EVENT_THEMES = {"Gouvernance", "Économie & innovation", "Énergie & climat", "Chaîne des parcs",
                "Jeunesse & société civile", "Mobilités", "Rayonnement & culture"}
SECTORS = {"Batteries & électromobilité", "Énergie renouvelable", "Santé", "Innovation",
           "Économie circulaire", "Industrie"}
STATUSES = {"annoncé", "en travaux", "en production", "en service", "en projet"}
PARK_KINDS = {"parc", "site minier", "voie verte", "voie d'eau", "équipement"}
INDICATOR_THEMES = {"Territoire", "Investissements", "Solaire", "Chaîne des parcs", "Événements",
                    "Gouvernance", "Budget"}
LENS, MAISNIL, LOOS, BILLY, OIGNIES = "62498", "62540", "62528", "62132", "62637"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read(name: str) -> list[dict]:
    with (SEED / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by_id(name: str) -> dict[str, dict]:
    return {r["id"]: r for r in read(name)}


@pytest.fixture(scope="module")
def events() -> dict[str, dict]:
    return by_id("events.csv")


@pytest.fixture(scope="module")
def indicators() -> dict[tuple[str, str], dict]:
    return {(r["id"], r["year"]): r for r in read("indicators.csv")}


@pytest.fixture(scope="module")
def pma_communes() -> dict[str, dict]:
    path = SEED / "communes.csv"
    if not path.exists():
        pytest.skip("data/seed/communes.csv not built yet (scripts/build_communes.py)")
    rows = read("communes.csv")
    assert len(rows) == 150
    return {r["code"]: r for r in rows}


# ---------------------------------------------------------------- file shape

@pytest.mark.parametrize("name", sorted(HEADERS))
def test_header_source_and_unique_ids(name):
    with (SEED / name).open(encoding="utf-8", newline="") as fh:
        assert fh.readline().rstrip("\r\n") == HEADERS[name]
    rows = read(name)
    keys = [(r["id"], r["year"]) if name == "indicators.csv" else r["id"] for r in rows]
    assert len(keys) == len(set(keys)), f"duplicate ids in {name}"
    assert all(r["source"] == SOURCE for r in rows)
    assert all(re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", r["id"]) for r in rows)


def test_row_counts():
    assert len(read("events.csv")) >= 30
    assert len(read("investments.csv")) >= 5
    assert len(read("park_sites.csv")) >= 8


def test_event_fields_are_well_formed(events):
    for r in events.values():
        assert r["theme"] in EVENT_THEMES, r["id"]
        assert ISO_DATE.match(r["start_date"]) and ISO_DATE.match(r["end_date"]), r["id"]
        assert r["start_date"] <= r["end_date"], r["id"]
        assert r["id"].startswith(f"evt-{r['start_date'][:7]}"), r["id"]
        # unknown counts are empty, never 0
        assert r["participants"] == "" or (r["participants"].isdigit() and int(r["participants"]) > 0), r["id"]
        assert bool(r["lat"]) == bool(r["lon"]), r["id"]
        if r["commune_code"]:
            assert r["lat"], f"{r['id']}: an event in the territory needs coordinates"
        assert r["description"] and r["title"]


def test_investments_and_parks_vocabularies():
    for r in read("investments.csv"):
        assert r["sector"] in SECTORS and r["status"] in STATUSES, r["id"]
        assert r["amount_eur"] != "0" and r["jobs"] != "0", r["id"]
    for r in read("park_sites.csv"):
        assert r["kind"] in PARK_KINDS, r["id"]
        assert r["commune_code"] and r["lat"] and r["lon"], r["id"]
        assert r["area_ha"] == "", f"{r['id']}: the report gives no area per site"


def test_indicator_fields_are_well_formed(indicators):
    for (ident, year), r in indicators.items():
        assert r["theme"] in INDICATOR_THEMES, ident
        assert r["direction"] in {"", "up", "down"}, ident
        assert year.isdigit() and r["value"] != "", ident
        float(r["value"])


# ---------------------------------------------------------------- facts from the report

def test_grand_forum_2023(events):
    r = events["evt-2023-06-30-grand-forum"]
    assert (r["start_date"], r["end_date"]) == ("2023-06-30", "2023-06-30")
    assert r["commune_code"] == MAISNIL and "Olhain" in r["place"]
    assert r["participants"] == "120" and "plus de 120" in r["description"]
    assert r["theme"] == "Gouvernance"


def test_club_des_elus_launch(events):
    r = events["evt-2023-10-18-lancement-club-des-elus"]
    assert r["start_date"] == "2023-10-18" and r["commune_code"] == LENS
    assert r["place"] == "Maison syndicale des mineurs, Lens"
    assert r["participants"] == "24"
    assert "24 élus" in r["description"] and "27 participants" in r["description"]
    assert "22 communes" in r["description"]


def test_labels_euralens_ceremony(events):
    r = events["evt-2023-12-15-remise-labels-euralens"]
    assert r["start_date"] == "2023-12-15" and r["commune_code"] == LENS
    assert "Maison syndicale" in r["place"] and "5 projets" in r["description"]
    assert r["participants"] == ""  # the report counts laureates, not attendees


def test_acc_inauguration_and_investment(events):
    r = events["evt-2023-05-30-inauguration-acc"]
    assert r["start_date"] == "2023-05-30" and r["commune_code"] == BILLY
    acc = by_id("investments.csv")["inv-acc-gigafactory"]
    assert acc["commune_code"] == BILLY and acc["jobs"] == "450"
    assert acc["status"] == "en production" and acc["sector"] == "Batteries & électromobilité"
    assert acc["amount_eur"] == ""  # not given in the report
    assert "34 ha" in acc["description"] and "8 GWh" in acc["description"]


def test_youth_and_innovation_events(events):
    assert events["evt-2023-04-13-lancement-innov-in-artois"]["participants"] == "110"
    assert events["evt-2023-04-13-lancement-innov-in-artois"]["commune_code"] == LENS
    jeunes = events["evt-2023-10-19-comite-des-jeunesses"]
    assert (jeunes["participants"], jeunes["commune_code"]) == ("80", LENS)
    assert "8 lycées" in jeunes["description"]
    atelier = events["evt-2023-02-28-atelier-avenir-en-artois"]
    assert atelier["commune_code"] == LENS and "Bollaert" in atelier["place"]


def test_multi_day_and_month_events(events):
    parc = events["evt-2023-07-01-parc-en-fete"]
    assert (parc["start_date"], parc["end_date"], parc["participants"]) == ("2023-07-01", "2023-08-31", "90000")
    assert "plus de 90 000" in parc["description"].lower() and parc["commune_code"] == LENS
    viva = events["evt-2023-06-14-vivatechnology"]
    assert (viva["start_date"], viva["end_date"], viva["commune_code"]) == ("2023-06-14", "2023-06-17", "")
    simi = events["evt-2023-12-11-simi"]
    assert (simi["start_date"], simi["end_date"]) == ("2023-12-11", "2023-12-14")
    bike = events["evt-2023-08-26-chti-bike-tour"]
    assert (bike["end_date"], bike["participants"]) == ("2023-08-27", "100")


def test_events_outside_the_territory_or_online(events):
    arras = events["evt-2023-09-14-world-forum-mobilites"]
    assert (arras["commune_code"], arras["participants"], arras["theme"]) == ("", "350", "Mobilités")
    assert arras["lat"]  # located in Arras, outside the PMA
    for ident in ("evt-2023-03-28-rencontres-du-forum", "evt-2023-11-10-rencontres-du-forum"):
        r = events[ident]
        assert (r["commune_code"], r["lat"], r["lon"], r["participants"]) == ("", "", "", "50")
    erbm = [r for r in events.values() if r["title"] == "Comité de suivi ERBM"]
    assert sorted(r["start_date"] for r in erbm) == ["2023-01-16", "2023-04-07", "2023-09-14", "2023-12-15"]
    assert events["evt-2023-01-16-comite-suivi-erbm"]["commune_code"] == OIGNIES
    grand_lille = sorted(r["start_date"] for r in events.values() if r["title"] == "Comité Grand Lille")
    assert grand_lille == ["2023-01-27", "2023-03-10", "2023-11-17"]


def test_bois_day_and_vallee_carreau(events):
    bois = events["evt-2023-05-12-journee-bois-eco-materiaux"]
    assert (bois["commune_code"], bois["participants"]) == (LOOS, "17")
    assert "14 collectivités" in bois["description"]
    carreau = events["evt-2023-09-23-inauguration-vallee-carreau"]
    assert carreau["commune_code"] in {"62048", "62532", "62555"}  # Auchel, Lozinghem, Marles-les-Mines


def test_documented_discrepancies(events):
    derby = events["evt-2023-03-04-derby-invest-in-artois"]
    assert derby["start_date"] == "2023-03-04" and "5 mars" in derby["description"]
    mid_june = events["evt-2024-06-15-grand-forum-comite-grand-lille"]
    assert "approximative" in mid_june["description"] and mid_june["commune_code"] == LENS


def test_2024_outlook(events):
    assert events["evt-2024-01-25-grand-forum"]["start_date"] == "2024-01-25"
    club = events["evt-2024-02-06-club-des-elus"]
    assert "eau" in club["description"] and club["commune_code"] == ""
    viva = events["evt-2024-05-22-vivatechnology"]
    assert (viva["start_date"], viva["end_date"]) == ("2024-05-22", "2024-05-25")
    assert "110 m²" in viva["description"]
    const = events["evt-2024-06-01-constellation-imaginaire"]
    assert (const["start_date"], const["end_date"], const["commune_code"]) == ("2024-06-01", "2024-06-02", MAISNIL)
    flames = [r for r in events.values() if r["start_date"] == "2024-07-03"]
    assert {r["commune_code"] for r in flames} == {MAISNIL, LENS}


def test_headline_indicators(indicators):
    def value(ident, year="2023"):
        return float(indicators[(ident, year)]["value"])

    assert value("population") == 650_000
    assert value("emplois_prives") == 148_000 and value("entreprises") == 30_000
    assert value("zones_activite") == 126
    assert value("parcs_ha") == 4200 and value("voies_vertes_km") == 420
    assert value("labels_euralens_total") == 70 and value("labels_euralens_annee") == 5
    assert value("investissements_industriels_eur") == 2_500_000_000
    assert value("potentiel_pv_gwh") == 3000 and value("cadastre_utilisateurs") == 2200
    assert value("retombees_presse") == 200
    jobs = indicators[("emplois_annonces", "2023")]
    assert (float(jobs["value"]), float(jobs["target"]), jobs["target_year"]) == (4000, 4000, "2025")
    assert "deux mois" in indicators[("cadastre_utilisateurs", "2023")]["note"]
    contributions = [value(f"budget_contribution_{k}_eur") for k in ("cabbalr", "call", "cahc", "departement")]
    assert contributions == [360_000, 360_000, 180_000, 120_000]
    assert value("budget_fonctionnement_eur") == 1_000_000
    assert [value("comite_jeunesses_lycees", y) for y in ("2021", "2022", "2023")] == [1, 6, 8]


def test_governance_meeting_counts(indicators):
    expected = {"gouv_grand_forum": 1, "gouv_comites_syndicaux": 4, "gouv_seminaires_executif": 3,
                "gouv_reunions_presidents": 6, "gouv_reunion_conseillers_regionaux": 1,
                "gouv_copil_ecotransition": 3, "gouv_cotech_energie_ecotransition": 4,
                "gouv_cotech_communication": 9, "gouv_cotech_attractivite": 5,
                "gouv_task_forces_parc_innovation": 8, "gouv_cercle_qualite": 2,
                "gouv_comites_label_euralens": 3}
    got = {k: float(indicators[(k, "2023")]["value"]) for k in expected}
    assert got == expected


# ---------------------------------------------------------------- against the communes reference

def _inside(lon: float, lat: float, geometry: dict) -> bool:
    """Even-odd ray casting over every ring of a GeoJSON (Multi)Polygon."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    inside = False
    for poly in polys:
        for ring in poly:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
                if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
    return inside


@pytest.mark.parametrize("name", ["events.csv", "investments.csv", "park_sites.csv"])
def test_commune_codes_are_pma_communes_and_points_inside(name, pma_communes):
    for r in read(name):
        code = r["commune_code"]
        if not code:
            continue
        assert code in pma_communes, f"{name} {r['id']}: {code} is not a PMA commune"
        if r["lat"]:
            geometry = json.loads(pma_communes[code]["geometry"])
            assert _inside(float(r["lon"]), float(r["lat"]), geometry), \
                f"{name} {r['id']}: point outside {pma_communes[code]['name']}"


def test_known_commune_names(pma_communes):
    assert pma_communes[MAISNIL]["name"] == "Maisnil-lès-Ruitz"
    assert pma_communes[LENS]["name"] == "Lens"
    assert pma_communes[LOOS]["name"] == "Loos-en-Gohelle"
    assert pma_communes[OIGNIES]["name"] == "Oignies"
    assert pma_communes[BILLY]["name"] == "Billy-Berclau"
