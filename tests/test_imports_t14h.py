"""Imports (issue #14, a fresh tester's findings t14h: 4, 5, 6, 7, 9, 14 and the low ones): each test
runs on a private copy of the built database (writable_db) with the tester's values.
"""

from __future__ import annotations

import pytest

from conftest import data_sums as sums
from conftest import rows
from ecotransition.imports import LOADED, REFUSED, import_file
from test_import_cases import xlsx

# ------------------------------------------------------- finding 4: positions a file does not give

PARK = "SELECT lat, lon, area_ha FROM park_sites WHERE id = 'parc-louvre-lens'"
LENS_CENTROID = "SELECT round(lat, 5), round(lon, 5) FROM communes WHERE code = $c"


def test_a_parks_file_without_coordinates_keeps_the_stored_position(writable_db, tmp_path):
    # t14h finding 4: the report's position of the Louvre-Lens park (50.43056, 2.80333) became Lens's
    # centroid (50.43956, 2.81854) when a file of surfaces, without lat/lon columns, was loaded.
    assert rows(writable_db, PARK) == [(50.43056, 2.80333, None)]
    assert rows(writable_db, LENS_CENTROID, c="62498") == [(50.43956, 2.81854)]
    f = tmp_path / "p1_parks_nolatlon.csv"
    f.write_text("id;nom;code_commune;surface_ha\nparc-louvre-lens;Parc du Louvre-Lens;62498;21\n"
                 "parc-test-nouveau;Parc nouveau;62498;3\n", encoding="utf-8")
    result = import_file("park_sites", f, writable_db)
    assert (result.status, result.inserted, result.updated) == (LOADED, 1, 1)
    assert rows(writable_db, PARK) == [(50.43056, 2.80333, 21.0)]
    # A new park without coordinates is placed at its commune's centroid, as before.
    assert rows(writable_db, "SELECT round(lat, 5), round(lon, 5) FROM park_sites WHERE id = 'parc-test-nouveau'") \
        == [(50.43956, 2.81854)]
    # A file with the columns and empty cells asks for the centroid (« vide = centre de la commune »).
    f.write_text("id;nom;code_commune;surface_ha;lat;lon\nparc-louvre-lens;Parc du Louvre-Lens;62498;21;;\n",
                 encoding="utf-8")
    assert import_file("park_sites", f, writable_db).status == LOADED
    assert rows(writable_db, f"SELECT round(lat, 5), round(lon, 5) FROM ({PARK})") == [(50.43956, 2.81854)]


def test_an_events_file_without_coordinates_keeps_the_events_own_position(writable_db, tmp_path):
    # t14h e1 then e3: the same event without lat/lon columns (130 participants) was moved to
    # Loos-en-Gohelle's centroid (50.44834, 2.57606) and marked position_derived.
    first = tmp_path / "e1.csv"
    first.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants;lat;lon\n"
                     "Fête du parc;20/09/2025;20/09/2025;Parc;62540;Chaîne des parcs;120;50.4;2.6\n", encoding="utf-8")
    assert import_file("events", first, writable_db).status == LOADED
    again = tmp_path / "e3.csv"
    again.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
                     "Fête du parc;20/09/2025;20/09/2025;Parc;62540;Chaîne des parcs;130\n"
                     "Fête nouvelle;21/09/2025;21/09/2025;Parc;62540;Chaîne des parcs;5\n", encoding="utf-8")
    result = import_file("events", again, writable_db)
    assert (result.status, result.inserted, result.updated) == (LOADED, 1, 1)
    assert rows(writable_db, "SELECT title, participants, lat, lon, position_derived FROM events "
                             "WHERE title LIKE 'Fête %' ORDER BY title") == [
        ("Fête du parc", 130, 50.4, 2.6, False),
        ("Fête nouvelle", 5, 50.44834, 2.57606, True)]
    assert rows(writable_db, LENS_CENTROID, c="62540") == [(50.44834, 2.57606)]
    # The event moved to another commune without coordinates: its old point is not in it, the
    # new commune's centroid is derived.
    moved = tmp_path / "e4.csv"
    moved.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
                     "Fête du parc;20/09/2025;20/09/2025;Parc;62498;Chaîne des parcs;130\n", encoding="utf-8")
    assert import_file("events", moved, writable_db).status == LOADED
    assert rows(writable_db, "SELECT commune_code, round(lat, 5), round(lon, 5), position_derived FROM events "
                             "WHERE title = 'Fête du parc'") == [("62498", 50.43956, 2.81854, True)]


def test_an_investments_file_without_coordinates_keeps_the_stored_position(writable_db, tmp_path):
    # t14h iv1: Gigafactory ACC's 50.515, 2.8494 became 50.52117, 2.86481 (Billy-Berclau's centroid).
    q = "SELECT lat, lon, jobs FROM investments WHERE id = 'inv-acc-gigafactory'"
    lat, lon, _ = rows(writable_db, q)[0]
    assert (lat, lon) == (50.515, 2.8494)
    f = tmp_path / "iv1.csv"
    f.write_text("id;nom;entreprise;secteur;code_commune;montant_eur;emplois;statut;annee_annonce\n"
                 "inv-acc-gigafactory;Gigafactory ACC;Automotive Cells Company (ACC);Batteries & électromobilité;"
                 "62132;;500;en production;\n", encoding="utf-8")
    assert import_file("investments", f, writable_db).status == LOADED
    assert rows(writable_db, q) == [(50.515, 2.8494, 500)]


# ------------------------------------------- finding 6: a date column holding an instant with an offset

EVENT_HEAD = ["titre", "date_debut", "date_fin", "lieu", "code_commune", "theme", "participants"]
EVENT_ROWS = [  # (start, end) as written, then the stored dates
    ("2025-09-14T22:00:00+00:00", "2025-09-14T22:00:00+00:00"),   # d3: Opendatasoft's 15/09 in Paris
    ("2025-09-14T23:30:00Z", "2025-09-14T23:59:00Z"),             # d1, d2: 15/09 01:30 in Paris
    ("14/09/2025 10:00+02:00", "14/09/2025"),                     # d1: refused before, offset in French order
    ("2025-09-14T00:30:00+02:00", "2025-09-14T01:00:00+02:00"),   # d2: 14/09 in Paris
    ("14/09/2025 23:30", "2025-09-14T21:59:00+00:00"),            # no zone: the written date; 23:59 in Paris
]
EVENT_DATES = [("2025-09-15", "2025-09-15"), ("2025-09-15", "2025-09-15"), ("2025-09-14", "2025-09-14"),
               ("2025-09-14", "2025-09-14"), ("2025-09-14", "2025-09-14")]


@pytest.mark.parametrize("variant", ["csv", "windows-1252", "xlsx"])
def test_a_date_with_an_offset_is_the_paris_date_of_that_instant(writable_db, tmp_path, variant):
    records = [[f"Événement {i}", s, e, "Parc", "62540", "Thème", "5"] for i, (s, e) in enumerate(EVENT_ROWS)]
    if variant == "xlsx":
        f = tmp_path / "d.xlsx"
        f.write_bytes(xlsx(EVENT_HEAD, *records))
    else:
        f = tmp_path / "d.csv"
        f.write_bytes(("\n".join(";".join(r) for r in [EVENT_HEAD, *records]) + "\n")
                      .encode("utf-8" if variant == "csv" else "cp1252"))
    result = import_file("events", f, writable_db)
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT title, start_date::VARCHAR, end_date::VARCHAR FROM events "
                             "WHERE title LIKE 'Événement %' ORDER BY title") == [
        (f"Événement {i}", *d) for i, d in enumerate(EVENT_DATES)]
    assert "10 valeurs de « date_debut » avec une heure" not in result.message
    assert ("5 valeurs de « date_debut » avec une heure : seule la date est gardée (pour 4 heures avec un "
            "décalage ou Z, la date à Paris de cet instant)") in result.message


# ------------------------------------------------------ finding 5: XLSX « _xHHHH_ » escapes in text cells

def test_xlsx_escaped_control_characters_meet_the_text_rules(writable_db, tmp_path):
    # t14h x6/x4: Excel writes a line break typed on Windows « _x000D_ » + LF, a tab « _x0009_ »; they were
    # stored as written (« Pa_x001F_rc_x000D_ Nord »). Decoded, the text rules apply as in a CSV: one-line
    # texts get a space for tabs and line breaks, controls are removed, descriptions keep their LF;
    # « _x005F_ » is a written underscore, so « _x005F_x000D_ » stays the text « _x000D_ ».
    book = xlsx(EVENT_HEAD + ["description"],
                ["Ev_x000B_J_x0009_K", "2025-09-20", None, "Pa_x001F_rc_x000D_\nNord", "62540", "Th_x0009_ème", 1,
                 "Ligne 1_x000D_\nLigne 2_x000C_ fin"],
                ["Code_x005F_x000D_ littéral", "2025-09-21", None, "Pa_x0009_rcX", "62540", "Thème", 1, None])
    f = tmp_path / "x6_events_sst_ctrl.xlsx"
    f.write_bytes(book)
    result = import_file("events", f, writable_db)
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT title, place, theme, description FROM events WHERE start_date >= '2025-09-20' "
                             "AND start_date <= '2025-09-21' AND source LIKE '%x6_events%' ORDER BY start_date") == [
        # VT, FF: line breaks (finding 12); the unit separator U+001F a space, as a CSV's is (0eb7329).
        ("Ev J K", "Pa rc Nord", "Th ème", "Ligne 1\nLigne 2\n fin"),
        ("Code_x000D_ littéral", "Pa rcX", "Thème", None)]


# ------------------------------------------------ finding 14: lines wrong in several checks beyond 1 000

def measures_1500(good: bool, fraction: bool) -> str:
    """1 500 hourly measures of demo-cpt-005-pie from 1 January 2025 00:00Z, each ending an hour before
    it starts and counting 12.5 (with `fraction`, start and end at « .5 » seconds too: 4 errors a line),
    then, with `good`, 1 500 right ones."""
    from datetime import datetime, timedelta, timezone

    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    stamp = (lambda t: t.strftime("%Y-%m-%dT%H:%M:%S") + (".5Z" if fraction else "Z"))
    out = ["channel_id,counter_id,start_datetime,end_datetime,count"]
    for k in range(1500):
        t = t0 + timedelta(hours=k)
        out.append(f"demo-cpt-005-pie,C5,{stamp(t)},{stamp(t - timedelta(hours=1))},12.5")
    for k in range(1500 if good else 0):
        t = t0 + timedelta(hours=1500 + k)
        out.append(f"demo-cpt-005-pie,C5,{stamp(t)},{stamp(t + timedelta(hours=1))},3".replace(".5Z", "Z"))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("name, good, fraction, encoding, errors", [
    ("y2_1500_lines_many_errors.csv", False, True, "utf-8", 6000),
    ("y1_1500_lines_two_errors.csv", True, False, "utf-8", 3000),
    ("y1_1500_lines_two_errors_cp1252.csv", True, False, "cp1252", 3000),
])
def test_a_line_wrong_in_several_checks_beyond_a_thousand_counts_once(writable_db, tmp_path, name, good, fraction,
                                                                      encoding, errors):
    # t14h finding 14: « 6000 erreurs sur 3000 lignes » for 1 500 lines (rows_rejected 3000), « 3000 erreurs sur
    # 2000 lignes » for 1 500 wrong among 3 000: each check's lines beyond the 1 000 kept were added.
    before = sums(writable_db)
    f = tmp_path / name
    text = measures_1500(good, fraction)
    f.write_bytes(text.replace("\n", "\r\n").encode(encoding) if encoding == "cp1252" else text.encode())
    result = import_file("counter_measures", f, writable_db)
    assert result.status == REFUSED
    assert result.message.splitlines()[0] == f"Fichier refusé : {errors} erreurs sur 1500 lignes. Rien n'a été chargé."
    assert (result.rows_read, result.rows_rejected) == (3000 if good else 1500, 1500)
    assert rows(writable_db, "SELECT rows_read, rows_rejected FROM imports ORDER BY imported_at DESC LIMIT 1") \
        == [(3000 if good else 1500, 1500)]
    assert sums(writable_db) == before


# ---------------------------------------------------------- finding 9: a refusal's content versions

def versions(db) -> dict:
    return dict(rows(db, "SELECT table_name, version FROM table_versions"))


@pytest.mark.parametrize("dataset, text", [
    ("events", "titre;date_debut;date_fin;lieu;code_commune;theme;participants\nA;demain;;Parc;62540;T;1\n"),
    ("counter_measures", "channel_id,counter_id,start_datetime,end_datetime,count\n"
                         "demo-cpt-001-vel,C,2025-06-10T14:00:00Z,2025-06-10T15:00:00Z,12.5\n"),
])
def test_a_refused_import_gives_a_new_version_to_the_history_only(writable_db, tmp_path, dataset, text):
    # t14h finding 9: a refused events file gave events (and a refused measures file counter_measures and
    # counter_daily) a new content version, so every viewer's cache of them was dropped for nothing.
    before = versions(writable_db)
    f = tmp_path / "refuse.csv"
    f.write_text(text, encoding="utf-8")
    assert import_file(dataset, f, writable_db).status == REFUSED
    after = versions(writable_db)
    assert sorted(t for t in after if after[t] != before.get(t)) == ["imports"]


def test_a_loaded_import_versions_its_tables_and_an_unchanged_one_only_the_history(writable_db, tmp_path):
    f = tmp_path / "parc.csv"
    f.write_text("id;nom;code_commune;surface_ha\nparc-louvre-lens;Parc du Louvre-Lens;62498;21\n", encoding="utf-8")
    before = versions(writable_db)
    assert import_file("park_sites", f, writable_db).status == LOADED
    loaded = versions(writable_db)
    assert sorted(t for t in loaded if loaded[t] != before.get(t)) == ["imports", "park_sites"]
    from ecotransition.imports import UNCHANGED
    assert import_file("park_sites", f, writable_db).status == UNCHANGED
    again = versions(writable_db)
    assert sorted(t for t in again if again[t] != loaded.get(t)) == ["imports"]


# ----------------------------------------- findings 8 and 12: characters that draw nothing, in data and messages

def test_blank_characters_are_removed_and_vertical_breaks_are_spaces(writable_db, tmp_path):
    # t14h v1: « Inv\u034Fis\u3164ible » and « Parc\u2800 » were stored as is (« Parc⠀ » beside « Parc »);
    # « Vt\vX » became « VtX », « Nel\u0085X » « NelX »; a group separator glued « Gs\x1dX » as « GsX ».
    f = tmp_path / "v1_events_invisibles.csv"
    f.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants;description\n"
                 "Inv\u034fis\u3164ible;20/09/2025;;Parc\u2800;62540;Vt\vX;1;Nel\u0085X\n"
                 "Han\u115f\u1160gul\uffa0;21/09/2025;;Nel\u0085X;62540;Ff\x0cX;1;\n"
                 "Gs\x1dX\x1f;22/09/2025;;Us\x1fX;62540;Rs\x1eX;1;Fs\x1cX\n", encoding="utf-8")
    result = import_file("events", f, writable_db)
    assert result.status == LOADED, result.message
    assert rows(writable_db, "SELECT title, place, theme, description FROM events WHERE source LIKE '%v1_events%' "
                             "ORDER BY start_date") == [
        ("Invisible", "Parc", "Vt X", "Nel\nX"),
        ("Hangul", "Nel X", "Ff X", None),
        ("Gs X", "Us X", "Rs X", "Fs X")]


def test_a_refusal_quotes_a_cell_with_its_invisible_characters_as_code_points(writable_db, tmp_path):
    # t14h t1: a count « 1\u202e52 » turned the rest of the message around; a Braille blank is shown too.
    f = tmp_path / "t1_msg_inject.csv"
    f.write_text("channel_id,counter_id,start_datetime,end_datetime,count\n"
                 "demo-cpt-005-vel,C5,2025-01-01T01:00:00Z,2025-01-01T02:00:00Z,1\u202e52\n"
                 "demo-cpt-005-vel,C5,2025-01-01T02:00:00Z,2025-01-01T03:00:00Z,7\u2800\u2066\n", encoding="utf-8")
    result = import_file("counter_measures", f, writable_db)
    assert result.status == REFUSED
    assert result.message.splitlines()[1:] == [
        "- ligne 2, count : « 1<U+202E>52 » n'est pas un nombre entier",
        "- ligne 3, count : « 7<U+2800><U+2066> » n'est pas un nombre entier"]
    assert rows(writable_db, "SELECT message FROM imports ORDER BY imported_at DESC LIMIT 1")[0][0] == result.message


# ------------------------------------- finding 15: a valid code of another commune is outside the territory

SITES_HEAD = "site_id,parent_site_id,site_name,fr_insee_code,xlong,ylat,external_ids,infrastructure_type\n"


def test_a_counter_site_with_another_communes_code_is_outside_the_territory(writable_db, tmp_path):
    # t14h cs1: « 1457 » (01457, a commune of the Ain) refused the file as « n'est pas une commune du Pôle »,
    # while a site without a code outside the territory loads « hors du territoire ».
    f = tmp_path / "cs1_sites_codes.csv"
    f.write_text(SITES_HEAD + "S1,,Site un,62498.0,2.83,50.43,,\nS2,,Site deux,1457,5.0,46.0,,\n"
                 "S4,,Site quatre,,2.83,50.43,,\n", encoding="utf-8")
    result = import_file("counter_sites", f, writable_db)
    assert result.status == LOADED, result.message
    assert "1 site hors du territoire (commune laissée vide)" in result.message
    assert rows(writable_db, "SELECT site_id, commune_code, lat, lon FROM counter_sites WHERE site_id IN "
                             "('S1', 'S2', 'S4') ORDER BY 1") == [
        ("S1", "62498", 50.43, 2.83), ("S2", None, 46.0, 5.0), ("S4", "62498", 50.43, 2.83)]
    # « 6249 » is no code at all (06249: the Alpes-Maritimes stop at 06163): refused naming its cell, alone.
    before = sums(writable_db)
    f.write_text(SITES_HEAD + "S1,,Site un,62498.0,2.83,50.43,,\nS2,,Site deux,1457,5.0,46.0,,\n"
                 "S3,,Site trois,6249,2.83,50.43,,\n", encoding="utf-8")
    refused = import_file("counter_sites", f, writable_db)
    assert refused.status == REFUSED
    assert refused.message.splitlines()[1:] == [
        "- ligne 4, fr_insee_code : « 6249 » n'est pas un code commune INSEE (5 chiffres)"]
    assert sums(writable_db) == before


def test_an_event_with_another_communes_code_is_outside_the_territory(writable_db, tmp_path):
    # t14h x1: an XLSX number cell 1457 refused the agenda; the template says « vide = hors du territoire ».
    f = tmp_path / "x1_events_num_codes.xlsx"
    f.write_bytes(xlsx(EVENT_HEAD + ["lat", "lon"],
                       ["Salon à Lyon", "2025-09-20", None, "Eurexpo", 1457, "Salon", 30, 45.73, 4.95],
                       ["Fête à Lens", "2025-09-21", None, "Parc", 62498.0, "Fête", 40, None, None]))
    result = import_file("events", f, writable_db)
    assert result.status == LOADED, result.message
    assert ("1 événement hors du territoire (code d'une commune hors du Pôle métropolitain : commune laissée vide)"
            in result.message)
    assert rows(writable_db, "SELECT title, commune_code, lat, lon, position_derived FROM events "
                             "WHERE source LIKE '%x1_events%' ORDER BY start_date") == [
        ("Salon à Lyon", None, 45.73, 4.95, False), ("Fête à Lens", "62498", 50.43956, 2.81854, True)]
