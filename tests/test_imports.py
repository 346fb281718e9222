"""Staff data imports: exact rows loaded, exact refusal messages, nothing changed on refusal."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import ROOT, data_sums, rows
from ecotransition.core import clock
from ecotransition.data import backup
from ecotransition.data.db import CONTRACT_TABLES, open_readonly
from ecotransition.imports import LOADED, REFUSED, UNCHANGED, import_file, templates
from ecotransition.surfaces import export

FIX = Path(__file__).resolve().parent / "fixtures"
DATA_TABLES = [t for t in CONTRACT_TABLES if t != "imports"]
# The import's own date, in `source`: Paris's day (clock.now), not the machine's, which differs
# from 22:00 or 23:00 UTC on.
TODAY = clock.now().strftime("%d/%m/%Y")


def log(db: Path) -> list[tuple]:
    return rows(db, "SELECT dataset, file_name, rows_read, rows_loaded, rows_rejected, status, message "
                    "FROM imports ORDER BY imported_at, rowid")


def lines(message: str) -> list[str]:
    return [m[2:] for m in message.splitlines()[1:]]


# --------------------------------------------------------------------------- refusals

REFUSALS = [
    ("events", "events_bad_dates.csv", None, 5, 5, [
        "ligne 2, date_debut : « 31/02/2025 » n'est pas une date",
        "ligne 3, date_debut : « 2025-13-01 » n'est pas une date",
        "ligne 3, date_fin : « 2025-13-02 » n'est pas une date",
        "ligne 4, date_debut : « demain » n'est pas une date",
        "ligne 5, participants : « dix » n'est pas un nombre entier",
        "ligne 4, participants : « -5 » ne peut pas être négatif",
        "ligne 5, date_fin : « 19/05/2025 » est antérieure à date_debut",
        "ligne 6, titre : valeur obligatoire manquante",
    ]),
    ("events", "events_wrong_headers.csv", None, 1, 0, [   # the header only: no data line
        "ligne 1 : colonne manquante : date_debut",
        "ligne 1 : colonne inconnue : « date_debutt »",
        "ligne 1 : colonne inconnue : « commentaire »",
        "ligne 1 : colonnes attendues (modèle Événements) : titre, date_debut, date_fin, lieu, code_commune, "
        "theme, participants ; facultatives : lat, lon, id, description, source",
    ]),
    ("events", "events_missing_header.csv", None, 1, 0, [   # the header only: no data line
        "ligne 1 : colonne manquante : date_fin",
        "ligne 1 : colonnes attendues (modèle Événements) : titre, date_debut, date_fin, lieu, code_commune, "
        "theme, participants ; facultatives : lat, lon, id, description, source",
    ]),
    ("events", "events_unknown_commune.csv", None, 5, 2, [
        # 06249 does not exist (Alpes-Maritimes stop at 06163): not a code, never « outside the Pôle »;
        # 59350 (Lille) and 62999, codes of communes outside the Pôle, are events outside the territory
        # (« vide = hors du territoire », t14h finding 15), not errors.
        "ligne 5, code_commune : « 6249 » n'est pas un code commune INSEE (5 chiffres)",
        "ligne 6, code_commune : « abc » n'est pas un code commune INSEE (5 chiffres)",
    ]),
    ("events", "events_duplicates.csv", None, 2, 1, [
        "ligne 3, titre : « atelier » en double : même titre et même date de début qu'à la ligne 2",
    ]),
    ("events", "events_ragged.csv", None, 3, 2, [
        "ligne 3 : 5 valeurs pour 7 colonnes (séparateur « ; » détecté sur la ligne d'en-tête)",
        "ligne 4 : 9 valeurs pour 7 colonnes (séparateur « ; » détecté sur la ligne d'en-tête)",
    ]),
    ("events", "empty.csv", None, 0, 0, ["le fichier est vide."]),
    ("events", "header_only.csv", None, 0, 0, ["le fichier ne contient aucune ligne de données."]),
    ("events", "binary.csv", None, 0, 0, [
        "le fichier n'est ni un CSV (texte) ni un classeur XLSX lisible : vérifiez qu'il s'agit bien "
        "de l'export attendu."]),
    ("events", "events_mojibake.csv", None, 0, 0, [
        "ligne 2 : le texte contient « Ãª » au lieu d'une lettre accentuée ; le fichier a été mal converti "
        "avant l'envoi. Réexportez-le depuis le tableur (CSV UTF-8 ou CSV Windows) sans conversion "
        "intermédiaire."]),
    ("counter_measures", "binary.csv", None, 0, 0, [
        "le fichier n'est ni un CSV (texte) ni un classeur XLSX lisible : vérifiez qu'il s'agit bien "
        "de l'export attendu."]),
    ("counter_measures", "measures_bad.csv", None, 8, 7, [
        "ligne 4, count : « 2.5 » n'est pas un nombre entier",
        "ligne 6, start_datetime : « hier » n'est pas une date-heure (AAAA-MM-JJTHH:MM:SS+01:00)",
        "ligne 3, count : « -3 » ne peut pas être négatif",
        "ligne 5, end_datetime : « 2024-01-03T00:00:00+01:00 » n'est pas postérieure à start_datetime",
        "ligne 7, channel_id : « inconnu » canal de comptage inconnu : importez d'abord le fichier des canaux",
        "ligne 8, start_datetime : « 2024-01-01T00:00:00+01:00 » en double : même canal et même début "
        "qu'à la ligne 2",
        "ligne 9, channel_id : valeur obligatoire manquante",
    ]),
    ("counter_channels", "schema_channels_invalid.csv", None, 4, 4, [
        "ligne 4, mobility_type : « ERR001 » n'est pas une valeur admise par le schéma",
        "ligne 5, mobility_type : « ERR002,PEDESTRIAN » n'est pas une valeur admise par le schéma",
        "ligne 2, site_id : « C01-Baix » site de comptage inconnu : importez d'abord le fichier des sites",
        "ligne 3, channel_id : « test-primary-key-duplicate » en double : même canal qu'à la ligne 2",
        "ligne 3, site_id : « C01-Baix » site de comptage inconnu : importez d'abord le fichier des sites",
        "ligne 4, site_id : « C01-Baix » site de comptage inconnu : importez d'abord le fichier des sites",
        "ligne 5, site_id : « C01-Baix » site de comptage inconnu : importez d'abord le fichier des sites",
    ]),
    ("investments", "investments_two_sheets.xlsx", None, 1, 0, [   # the header only: no data line
        "feuille lue : « Lisez-moi » ; le classeur contient aussi « Investissements » : choisissez la "
        "feuille des données",
        "ligne 1 : colonne manquante : nom",
        "ligne 1 : colonne manquante : entreprise",
        "ligne 1 : colonne manquante : secteur",
        "ligne 1 : colonne manquante : code_commune",
        "ligne 1 : colonne manquante : montant_eur",
        "ligne 1 : colonne manquante : emplois",
        "ligne 1 : colonne manquante : statut",
        "ligne 1 : colonne manquante : annee_annonce",
        "ligne 1 : colonne inconnue : « Liste des projets reçue des partenaires »",
        "ligne 1 : colonnes attendues (modèle Investissements) : nom, entreprise, secteur, code_commune, "
        "montant_eur, emplois, statut, annee_annonce ; facultatives : lat, lon, id, description, source",
    ]),
    ("investments", "investments_two_sheets.xlsx", "Données", 0, 0, [
        "la feuille « Données » n'existe pas dans le classeur (feuilles : Lisez-moi, Investissements)."]),
    ("solar_potential", "potential_formula_no_value.xlsx", None, 1, 1, [
        "ligne 2, potentiel_mwh : formule sans valeur calculée : ouvrez le classeur dans le tableur et "
        "enregistrez-le avant l'import"]),
]


@pytest.mark.parametrize("dataset, name, sheet, read, rejected, expected", REFUSALS,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in REFUSALS])
def test_refused_file_changes_no_data_and_names_every_problem(writable_db, dataset, name, sheet, read,
                                                              rejected, expected):
    if name.startswith("measures"):  # the channels the measures refer to
        import_file("counter_sites", FIX / "ecocompteur_sites.csv", writable_db)
        import_file("counter_channels", FIX / "ecocompteur_channels.csv", writable_db)
    logged = log(writable_db)
    before = data_sums(writable_db)
    result = import_file(dataset, FIX / name, writable_db, sheet=sheet)
    assert result.status == REFUSED
    assert lines(result.message) == expected
    assert result.message.splitlines()[0].startswith(f"Fichier refusé : {len(expected)} erreur")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (read, 0, rejected)
    # The data are exactly as before; only the log gained the refusal.
    assert data_sums(writable_db) == before
    assert log(writable_db) == logged + [(dataset, name, read, 0, rejected, "refusé", result.message)]
    assert len(backup.list_backups(writable_db)) == len(logged)  # no backup for a refusal


def test_refusal_lists_the_first_fifty_problems_and_counts_the_rest(writable_db, tmp_path):
    bad = tmp_path / "beaucoup.csv"
    bad.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
                   + "".join(f"Atelier {k};{k}/13/2025;;Lens;62498;Culture;\n" for k in range(1, 121)),
                   encoding="utf-8")
    result = import_file("events", bad, writable_db)
    shown = result.message.splitlines()
    assert shown[0] == "Fichier refusé : 120 erreurs sur 120 lignes. Rien n'a été chargé."
    assert shown[1] == "- ligne 2, date_debut : « 1/13/2025 » n'est pas une date"
    assert shown[50] == "- ligne 51, date_debut : « 50/13/2025 » n'est pas une date"
    assert shown[51:] == ["- … et 70 autres erreurs."]
    assert len(result.issues) == 120


# ------------------------------------------------------------------------------- loads

def test_events_template_rows_are_loaded_exactly(writable_db):
    result = import_file("events", FIX / "events_ok.csv", writable_db)
    assert result.status == LOADED
    assert (result.rows_read, result.rows_loaded, result.inserted, result.updated) == (6, 6, 6, 0)
    assert result.message == ("6 lignes chargées (6 nouvelles, 0 mise à jour) sur 6 lues. "
                              "Format : modèle Événements.")
    got = rows(writable_db, "SELECT title, start_date, end_date, place, commune_code, lat, lon, theme, "
                            "participants, source FROM events WHERE source LIKE 'Import %' ORDER BY start_date")
    src = f"Import events_ok.csv du {TODAY}"
    assert got == [
        # commune without coordinates: its centroid; "1 250" with a thin space is 1250
        ("Fête du vélo à Lens", date(2024, 6, 30), date(2024, 6, 30), "Stade Bollaert-Delelis", "62498",
         50.43956, 2.81854, "Mobilité", 1250, src),
        # decimal commas; an empty end date is the start date; empty participants stay unknown
        ("<img src=x onerror=alert(1)>", date(2024, 7, 14), date(2024, 7, 14), "Parc de la Glissoire",
         "62119", 50.5301, 2.6401, "Chaîne des parcs", None, src),
        ('=HYPERLINK("http://exemple.invalid";"clic")', date(2024, 9, 1), date(2024, 9, 2), "Oignies",
         "62637", 50.46346, 2.99317, "Culture", 40, src),
        ("+33 6 00 00 00 00", date(2024, 9, 15), date(2024, 9, 15), "Hénin-Beaumont", "62427",
         50.42049, 2.95363, "Sport", None, src),
        # neither commune nor coordinates: outside the territory, no point
        ("@SUM(A1:A9)", date(2024, 10, 1), date(2024, 10, 1), None, None, None, None, "Gouvernance", None, src),
        # coordinates without commune: the commune they fall in
        ("**gras** [lien](javascript:alert(1))", date(2024, 10, 5), date(2024, 10, 5), "Liévin", "62510",
         50.4245, 2.7713, "Culture", 12, src),
    ]
    assert log(writable_db) == [("events", "events_ok.csv", 6, 6, 0, "chargé", result.message)]
    assert len(backup.list_backups(writable_db)) == 1


def test_formula_like_text_is_stored_as_is_and_exported_with_a_quote(writable_db):
    import_file("events", FIX / "events_ok.csv", writable_db)
    titles = [t for (t,) in rows(writable_db, "SELECT title FROM events WHERE source LIKE 'Import %' "
                                              "ORDER BY start_date")]
    import pandas as pd
    csv = export.to_csv(pd.DataFrame({"title": titles})).decode("utf-8-sig").splitlines()
    assert csv[1:] == ["Fête du vélo à Lens", "<img src=x onerror=alert(1)>", "\"'=HYPERLINK(\"\"http://exemple.invalid\"\";\"\"clic\"\")\"",
                       "'+33 6 00 00 00 00", "'@SUM(A1:A9)", "**gras** [lien](javascript:alert(1))"]


def test_windows_1252_and_bom_files_read_without_mojibake(writable_db):
    r1 = import_file("events", FIX / "events_cp1252.csv", writable_db)
    assert (r1.status, r1.encoding, r1.inserted) == (LOADED, "Windows-1252", 2)
    # Same event, contract (English) headers, ',' separator, UTF-8 with BOM: an update, not a copy.
    r2 = import_file("events", FIX / "events_bom.csv", writable_db)
    assert (r2.status, r2.encoding, r2.inserted, r2.updated) == (LOADED, "UTF-8 avec BOM", 0, 1)
    assert rows(writable_db, "SELECT title, start_date, end_date, place, participants, theme FROM events "
                             "WHERE source LIKE 'Import %' ORDER BY start_date") == [
        ("Fête de l’été à Liévin – œuvres", date(2024, 7, 12), date(2024, 7, 13),
         "Salle « Arc-en-ciel », Liévin", 300, "Culture"),
        ("Marché de Noël : 5 € l’entrée", date(2024, 12, 14), date(2024, 12, 15), "Béthune", None, "Économie"),
    ]


def test_reimport_changes_nothing_and_a_corrected_file_updates(writable_db, tmp_path):
    first = import_file("events", FIX / "events_ok.csv", writable_db)
    after_first = data_sums(writable_db)
    again = import_file("events", FIX / "events_ok.csv", writable_db)
    assert again.status == UNCHANGED and again.rows_loaded == 0
    assert again.message.startswith("Aucun changement : les 6 lignes du fichier sont déjà dans la base "
                                    "(fichier identique à celui importé le ")
    assert data_sums(writable_db) == after_first
    assert again.sha256 == first.sha256
    assert len(backup.list_backups(writable_db)) == 1  # no backup for a no-op
    fixed = tmp_path / "events_ok.csv"
    fixed.write_text((FIX / "events_ok.csv").read_text(encoding="utf-8").replace(";Mobilité;1 250;", ";Mobilité;1 300;"),
                     encoding="utf-8")
    corrected = import_file("events", fixed, writable_db)
    assert (corrected.status, corrected.inserted, corrected.updated) == (LOADED, 0, 1)
    assert rows(writable_db, "SELECT count(*), sum(participants) FROM events WHERE title = 'Fête du vélo à Lens'") \
        == [(1, 1300)]
    assert [s for _, _, _, _, _, s, _ in log(writable_db)] == ["chargé", "inchangé", "chargé"]


def test_import_matches_an_existing_event_by_title_and_date(writable_db, tmp_path):
    """A row of the report re-imported with a count updates it (same id), keeping its description."""
    ((ev_id, title, start, desc),) = rows(
        writable_db, "SELECT id, title, start_date, description FROM events "
                     "WHERE participants IS NULL AND commune_code IS NOT NULL ORDER BY id LIMIT 1")
    f = tmp_path / "maj.csv"
    f.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
                 f"{title.upper()};{start:%d/%m/%Y};;Lens;62498;Gouvernance;77\n", encoding="utf-8")
    result = import_file("events", f, writable_db)
    assert (result.inserted, result.updated) == (0, 1)
    ((got_id, participants, got_desc, source),) = rows(
        writable_db, "SELECT id, participants, description, source FROM events WHERE id = $i", i=ev_id)
    assert (got_id, participants, got_desc) == (ev_id, 77, desc)
    assert source == f"Import maj.csv du {TODAY} ; Rapport d'activité 2023 PMA"


def test_xlsx_named_sheet_values_not_formulas(writable_db):
    result = import_file("investments", FIX / "investments_two_sheets.xlsx", writable_db, sheet="Investissements")
    assert (result.status, result.rows_loaded, result.encoding) == (LOADED, 3, "XLSX")
    got = rows(writable_db, "SELECT name, company, sector, commune_code, lat, lon, amount_eur, jobs, status, "
                            "announced_year FROM investments WHERE source LIKE 'Import %' ORDER BY name")
    assert got == [
        ("Extension", "Batteries du Nord", "Batteries & électromobilité", "62427", 50.42049, 2.95363,
         10_000_000.0, None, "en production", 2022),   # =2*5000000: its computed value
        ("Plateforme logistique", "=cmd|' /C calc'!A0", "Logistique", "62119", 50.52961, 2.64142,
         None, 120, "en travaux", 2023),               # a text cell, kept as text
        ("Usine de recyclage", "Recycl'Artois", "Économie circulaire", "62498", 50.43956, 2.81854,
         12_500_000.0, 85, "annoncé", 2024),
    ]
    assert export.safe_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"


def test_counter_chain_from_the_real_eco_compteur_export(writable_db):
    for dataset, name, n in [("counter_sites", "ecocompteur_sites.csv", 3),
                             ("counter_channels", "ecocompteur_channels.csv", 10),
                             ("counter_measures", "ecocompteur_measures.csv", 3650)]:
        result = import_file(dataset, FIX / name, writable_db)
        assert (result.status, result.rows_loaded) == (LOADED, n), result.message
    src = f"Comptage des mobilités (ecocompteur_sites.csv, import du {TODAY})"
    # No INSEE code and points near Nantes: outside the territory, no park nearby.
    assert rows(writable_db, "SELECT site_id, site_name, commune_code, lat, lon, park_id, source FROM counter_sites "
                             "WHERE source <> 'démonstration' ORDER BY site_id") == [
        ("300014141", "Champtoceaux", None, 47.33892, -1.2684985, None, src),
        ("300014142", "Rue Gambetta", None, 47.213215, -1.551592, None, src),
        ("300014151", "Mauves sur Loire", None, 47.28895, -1.3744379, None, src),
    ]
    assert rows(writable_db, "SELECT mobility_type, count(*) FROM counter_channels WHERE site_id LIKE '3000141%' "
                             "GROUP BY ALL ORDER BY 1") == [("BIKE", 6), ("PEDESTRIAN", 4)]
    # Days stored as local midnight, including the shortened day of March and the October change.
    # 27/03 is written to « 23:00:00+01:00 », the instant of Paris midnight (+02:00): stored so.
    assert rows(writable_db, "SELECT start_datetime, end_datetime, count FROM counter_measures "
                             "WHERE channel_id = '353226361' AND start_datetime IN "
                             "('2022-03-27', '2022-03-28', '2022-10-30', '2022-10-31') ORDER BY 1") == [
        (datetime(2022, 3, 27), datetime(2022, 3, 28), 0),
        (datetime(2022, 3, 28), datetime(2022, 3, 29), 0),
        (datetime(2022, 10, 30), datetime(2022, 10, 31), 15),
        (datetime(2022, 10, 31), datetime(2022, 11, 1), 25),
    ]
    assert rows(writable_db, "SELECT count(*) FROM counter_measures WHERE hour(start_datetime) <> 0 "
                             "AND channel_id LIKE '3532%'") == [(0,)]
    again = import_file("counter_measures", FIX / "ecocompteur_measures.csv", writable_db)
    assert again.status == UNCHANGED


def test_measures_keep_missing_counts_and_both_october_hours(writable_db):
    import_file("counter_sites", FIX / "ecocompteur_sites.csv", writable_db)
    import_file("counter_channels", FIX / "ecocompteur_channels.csv", writable_db)
    result = import_file("counter_measures", FIX / "measures_dst.csv", writable_db)
    assert (result.status, result.rows_read, result.rows_loaded) == (LOADED, 5, 5)
    assert "2 mesures dans l'heure répétée du passage à l'heure d'hiver, gardées avec leur décalage horaire" \
        in result.message
    # Every end with its own offset, like the start: the first 02:00 ends at 02:00 +01:00.
    assert rows(writable_db, "SELECT start_datetime, utc_offset, end_datetime, end_utc_offset, count "
                             "FROM counter_measures WHERE channel_id = '353226370' ORDER BY 1, 2 DESC") == [
        (datetime(2024, 10, 27, 1), 120, datetime(2024, 10, 27, 2), 120, 5),
        (datetime(2024, 10, 27, 2), 120, datetime(2024, 10, 27, 2), 60, 7),     # 02:00+02 (ends at 02:00+01)
        (datetime(2024, 10, 27, 2), 60, datetime(2024, 10, 27, 3), 60, 3),      # 02:00+01: a measure of its own
        # Empty count: missing. Empty end: the start plus the length of the channel's other measures in
        # the file (an hour), not its declared time step (86400: it would overlap the next measure).
        (datetime(2024, 10, 27, 3), 60, datetime(2024, 10, 27, 4), 60, None),
        (datetime(2024, 10, 27, 4), 60, datetime(2024, 10, 27, 5), 60, 0),      # 03:00Z is 04:00 in Paris; 0 stays 0
    ]


# UTC instants as the schema writes them; the October change of 2025 (01:00Z), the March one (01:00Z).
ZULU_MEASURES = [
    ("353226370", "2025-10-26T00:00:00Z", "2025-10-26T01:00:00Z", "10"),   # 02:00+02
    ("353226370", "2025-10-26T01:00:00Z", "2025-10-26T02:00:00Z", "4"),    # 02:00+01: a measure of its own
    # 03:00+02; end = start + the length of the channel's other measures (an hour; its time step says a day)
    ("353226370", "2025-03-30T01:00:00Z", "", ""),
    ("353226396", "2025-06-01T10:00:00Z", "2025-06-01T11:00:00Z", "0"),
]
ZULU_STORED = [
    ("353226370", datetime(2025, 3, 30, 3), 120, datetime(2025, 3, 30, 4), None),
    ("353226396", datetime(2025, 6, 1, 12), 120, datetime(2025, 6, 1, 13), 0),
    ("353226370", datetime(2025, 10, 26, 2), 120, datetime(2025, 10, 26, 2), 10),
    ("353226370", datetime(2025, 10, 26, 2), 60, datetime(2025, 10, 26, 3), 4),
]


@pytest.mark.parametrize("variant, typed, text_read", [
    ("zulu", 1, 0),        # every instant …Z: DuckDB's reader parses them (stage_csv_typed), nothing read as text
    # a zero-width space in a channel id: tried typed, found among the distinct ids, read as text
    ("format character", 1, 1),
    ("offset", 0, 1),      # the same instant written 02:00:00+01:00: the head says « not all Z », text at once
    ("naive", 0, 1),       # a local time without a zone in June: the Paris rule, text at once
    # the offset after 600 rows in …Z, beyond the head sampled: the typed read stops on it, text then
    ("offset after the head", 1, 1),
])
def test_measures_fast_path_and_its_fallbacks_store_the_same_rows(writable_db, tmp_path, monkeypatch,
                                                                   variant, typed, text_read):
    import ecotransition.imports as imports

    calls = {"typed": 0, "text": 0}
    for name, key in (("stage_csv_typed", "typed"), ("stage_csv", "text")):
        def spy(*args, _f=getattr(imports, name), _k=key):
            calls[_k] += 1
            return _f(*args)
        monkeypatch.setattr(imports, name, spy)
    import_file("counter_sites", FIX / "ecocompteur_sites.csv", writable_db)
    import_file("counter_channels", FIX / "ecocompteur_channels.csv", writable_db)
    measures = [list(m) for m in ZULU_MEASURES]
    if variant == "format character":
        measures[1][0] = "3532\u200b26370"
    elif variant == "offset":
        measures[1][1] = "2025-10-26T02:00:00+01:00"
    elif variant == "naive":
        measures[3][1] = "2025-06-01 12:00:00"
    elif variant == "offset after the head":
        measures[1][1] = "2025-10-26T02:00:00+01:00"
        measures[:0] = [["353226405", f"2025-01-{1 + h // 24:02d}T{h % 24:02d}:00:00Z", "", "1"] for h in range(600)]
    csv = tmp_path / "measures.csv"
    csv.write_text("channel_id,start_datetime,end_datetime,count\n" + "".join(",".join(m) + "\n" for m in measures),
                   encoding="utf-8")
    result = import_file("counter_measures", csv, writable_db)
    assert (result.status, result.rows_read, result.inserted) == (LOADED, len(measures), len(measures)), result.message
    assert (calls["typed"], calls["text"]) == (typed, text_read)
    assert "2 mesures dans l'heure répétée du passage à l'heure d'hiver" in result.message
    assert rows(writable_db, "SELECT channel_id, start_datetime, utc_offset, end_datetime, count "
                             "FROM counter_measures WHERE channel_id IN ('353226370', '353226396') "
                             "ORDER BY 2, 3 DESC") == ZULU_STORED
    # The channel declares 86 400 s; its measures last an hour: the 23- and 25-hour days expect 23
    # and 25 of them (t12h finding 1), not « 1 of 1 » and « 2 of 2 ».
    assert rows(writable_db, "SELECT time_step FROM counter_channels WHERE channel_id = '353226370'") == [(3600,)]
    assert rows(writable_db, "SELECT day, visits, measures, missing_measures FROM counter_daily "
                             "WHERE channel_id = '353226370' ORDER BY day") == [
        (date(2025, 3, 30), None, 23, 23), (date(2025, 10, 26), 14, 25, 23)]


def test_measures_fast_path_refuses_a_repeated_instant_with_both_lines(writable_db, tmp_path):
    """01:00:00Z written twice for one channel (the second 02:00 of 26 October 2025): the typed
    read finds it without line numbers, the file is read again for them; nothing changes."""
    import_file("counter_sites", FIX / "ecocompteur_sites.csv", writable_db)
    import_file("counter_channels", FIX / "ecocompteur_channels.csv", writable_db)
    before = data_sums(writable_db)
    csv = tmp_path / "measures.csv"
    csv.write_text("channel_id,start_datetime,end_datetime,count\n" + "".join(",".join(m) + "\n" for m in ZULU_MEASURES)
                   + "353226370,2025-10-26T01:00:00Z,2025-10-26T02:00:00Z,4\n", encoding="utf-8")
    result = import_file("counter_measures", csv, writable_db)
    assert (result.status, result.rows_read, result.rows_rejected) == (REFUSED, 5, 1)
    assert lines(result.message) == ["ligne 6, start_datetime : « 2025-10-26T01:00:00Z » en double : même canal et "
                                     "même début qu'à la ligne 3"]
    assert data_sums(writable_db) == before


def test_measures_import_updates_the_daily_sums_the_pages_read(writable_db, tmp_path):
    import_file("counter_sites", FIX / "ecocompteur_sites.csv", writable_db)
    import_file("counter_channels", FIX / "ecocompteur_channels.csv", writable_db)
    import_file("counter_measures", FIX / "measures_dst.csv", writable_db)
    # 5 + 7 + 3 on the 27th (five measures, the October hour twice), the missing hour missing, not 0;
    # hourly measures on a channel declaring 86 400 s: the 25-hour day expects 25 (t12h finding 1),
    # the 20 absent hours missing as the empty one is.
    assert rows(writable_db, "SELECT day, visits, measures, missing_measures FROM counter_daily "
                             "WHERE channel_id = '353226370' ORDER BY day") == [(date(2024, 10, 27), 15, 25, 21)]
    conn = open_readonly(writable_db)
    visits = conn.execute("SELECT sum(visits) FROM counter_daily").fetchall()
    conn.close()
    refused = import_file("counter_measures", FIX / "measures_bad.csv", writable_db)
    assert refused.status == REFUSED
    assert rows(writable_db, "SELECT sum(visits) FROM counter_daily") == visits

    # Refreshed for the file's channels and days only, the table equals a full recomputation.
    from ecotransition.data import sql
    full = sql.load("counter_daily").sql
    assert rows(writable_db, f"SELECT count(*) FROM ((SELECT * FROM counter_daily EXCEPT ALL ({full})) "
                             f"UNION ALL (({full}) EXCEPT ALL SELECT * FROM counter_daily))") == [(0,)]
    assert rows(writable_db, "SELECT count(*) FROM counter_daily") == rows(writable_db, f"SELECT count(*) FROM ({full})")

    # A correction of existing demonstration measures: their day changes source and sum.
    channel, start, count = rows(writable_db, "SELECT channel_id, start_datetime, count FROM counter_measures "
                                              "WHERE source = 'démonstration' AND count > 0 ORDER BY ALL LIMIT 1")[0]
    csv = tmp_path / "correction.csv"
    csv.write_text("channel_id,start_datetime,count\n"
                   f"{channel},{start:%Y-%m-%dT%H:%M:%S},{count + 1000}\n", encoding="utf-8")
    corrected = import_file("counter_measures", csv, writable_db)
    assert corrected.status == LOADED, corrected.message
    assert rows(writable_db, f"SELECT count(*) FROM ((SELECT * FROM counter_daily EXCEPT ALL ({full})) "
                             f"UNION ALL (({full}) EXCEPT ALL SELECT * FROM counter_daily))") == [(0,)]
    assert rows(writable_db, "SELECT sum(visits) FROM counter_daily")[0][0] == visits[0][0] + 1000


def test_an_import_gives_new_versions_only_to_the_tables_it_may_change(writable_db):
    def versions():
        return dict(rows(writable_db, "SELECT table_name, version FROM table_versions"))

    built = versions()
    assert len(set(built.values())) == 1 and {"events", "counter_daily", "imports"} <= set(built)
    import_file("events", FIX / "events_ok.csv", writable_db)
    after = versions()
    assert {t for t in built if after[t] != built[t]} == {"events", "imports"}
    refused = import_file("counter_measures", FIX / "measures_bad.csv", writable_db)
    assert refused.status == REFUSED
    # A refusal changes only the history: the data tables keep their versions (t14h finding 9).
    assert {t for t in after if versions()[t] != after[t]} == {"imports"}

    # The cache key of a page query follows the versions of the tables it reads.
    from ecotransition.data.db import stamp
    from ecotransition.ui import store
    key = lambda name, **p: store._tables_key(name, str(writable_db), stamp(writable_db), p)  # noqa: E731
    visits, events = key("visits_series"), key("events_list")
    # A catalogue query reads the table its parameter names (query_table($table)).
    catalogue_events = key("catalogue_datasets", table="events")
    assert [t for t, _ in catalogue_events] == ["events", "imports"]
    # Unchanged rows, but a new log line: the events' cached results stay, the catalogue's do not.
    import_file("events", FIX / "events_ok.csv", writable_db)
    store._versions.clear()
    assert key("visits_series") == visits and key("events_list") == events
    assert key("catalogue_datasets", table="events") != catalogue_events
    assert [t for t, _ in key("catalogue_datasets", table="park_sites")] == ["imports", "park_sites"]
    assert [t for t, _ in visits] == ["communes", "counter_channels", "counter_daily", "counter_sites", "epci"]


def test_enedis_extract_keeps_the_territory_and_sums_voltage_ranges(writable_db):
    result = import_file("solar_production", FIX / "enedis_extract.csv", writable_db)
    assert (result.status, result.encoding, result.rows_read, result.rows_loaded) == (LOADED, "Windows-1252", 8, 3)
    assert result.message.endswith("Format : Enedis – production électrique par filière à la maille commune. "
                                   "3 lignes ignorées hors des communes du Pôle métropolitain.")
    src = f"Enedis, production électrique par filière à la maille commune (enedis_extract.csv, import du {TODAY})"
    assert rows(writable_db, "SELECT commune_code, year, sites, power_kw, energy_mwh, source FROM solar_production "
                             "WHERE source <> 'démonstration' ORDER BY 1, 2") == [
        ("62119", 2023, 380, None, 998.1, src),
        ("62498", 2022, 413, None, 3334.75, src),   # 410 + 3 sites, 1 234,5 + 2 100,25 MWh
        ("62498", 2023, 520, None, 1500.0, src),    # the masked HTA line adds nothing
    ]


def test_odre_register_cumulates_solar_installations_by_commissioning_year(writable_db):
    result = import_file("solar_production", FIX / "odre_extract.csv", writable_db)
    assert (result.status, result.rows_read, result.rows_loaded) == (LOADED, 7, 4)
    assert result.message.endswith(
        "1 ligne d'autres filières ignorée ; 1 ligne d'installations solaires ignorée hors des communes du "
        "Pôle métropolitain ; "
        "3 lignes agrégeant plusieurs installations comptées à partir de 2021, millésime du registre "
        "(dernière mise en service du fichier), et non à la date de mise en service indiquée.")
    # Béthune's 8 « Toitures » (one row, one date for 8 installations) are the register's stock at its
    # 2021 snapshot: they do not make 2020; nor do its 3 « Sans date » (an aggregated row needs no date).
    assert rows(writable_db, "SELECT commune_code, year, sites, power_kw, energy_mwh FROM solar_production "
                             "WHERE source LIKE 'ODRÉ%' ORDER BY 1, 2") == [
        ("62119", 2021, 11, 60.0, None),
        ("62498", 2019, 1, 250.0, None), ("62498", 2020, 1, 250.0, None), ("62498", 2021, 14, 386.5, None),
    ]
    # Enedis then gives sites and energy for 2021: the power from the register stays, both named.
    f = FIX / "enedis_extract.csv"
    text = f.read_bytes().decode("cp1252").replace("2022;Lens", "2021;Lens")
    import_file("solar_production", text.encode("cp1252"), writable_db, file_name="enedis_2021.csv")
    assert rows(writable_db, "SELECT sites, power_kw, energy_mwh, source FROM solar_production "
                             "WHERE commune_code = '62498' AND year = 2021") == [
        (413, 386.5, 3334.75,
         f"Enedis, production électrique par filière à la maille commune (enedis_2021.csv, import du {TODAY}) ; "
         f"ODRÉ, registre national des installations de production d'électricité (odre_extract.csv, "
         f"import du {TODAY})")]


def test_solar_template_replaces_demonstration_values(writable_db):
    result = import_file("solar_production", FIX / "solar_template_ok.csv", writable_db)
    assert (result.inserted, result.updated) == (0, 2)
    assert rows(writable_db, "SELECT commune_code, sites, power_kw, energy_mwh FROM solar_production "
                             "WHERE year = 2024 AND commune_code IN ('62119', '62498') ORDER BY 1") == [
        ("62119", None, None, None), ("62498", 900, 6800.5, 6100.0)]


def test_every_template_is_the_generated_one_and_loads(writable_db):
    for dataset in ["counter_sites", "counter_channels", "counter_measures", "solar_production",
                    "solar_potential", "cadastre_usage", "park_sites", "indicators", "events", "investments"]:
        path = templates.TEMPLATES_DIR / templates.file_name(dataset)
        assert path.read_bytes() == templates.template_bytes(dataset), f"regenerate {path.name}"
        result = import_file(dataset, path, writable_db)
        assert result.status == LOADED and result.rows_loaded >= 1, (dataset, result.message)


# ------------------------------------------------------------- command line, viewers

def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecotransition.imports", *map(str, args), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True)


def test_command_line_exit_codes_and_messages(writable_db):
    before = data_sums(writable_db)
    refused = run_cli("events", FIX / "events_bad_dates.csv", "--db", writable_db)
    assert refused.returncode == 1
    assert "ligne 2, date_debut : « 31/02/2025 » n'est pas une date" in refused.stderr
    assert refused.stdout == ""
    assert data_sums(writable_db) == before
    loaded = run_cli("events", FIX / "events_ok.csv", "--db", writable_db)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("Chargé : 6 lignes chargées (6 nouvelles, 0 mise à jour) sur 6 lues.")
    unchanged = run_cli("events", FIX / "events_ok.csv", "--db", writable_db)
    assert unchanged.returncode == 0 and unchanged.stdout.startswith("Inchangé : Aucun changement")
    missing = run_cli("events", FIX / "absent.csv", "--db", writable_db)
    assert missing.returncode == 1 and "Import impossible" in missing.stderr
    assert [s for *_, s, _ in log(writable_db)] == ["refusé", "chargé", "inchangé"]


def test_a_viewer_in_the_same_process_sees_the_new_file(writable_db):
    """DuckDB caches instances by path: the viewer's fresh connection must still open the new file."""
    old = open_readonly(writable_db)
    count = old.execute("SELECT count(*) FROM events").fetchall()[0][0]
    import_file("events", FIX / "events_ok.csv", writable_db)
    fresh = open_readonly(writable_db)
    assert fresh.execute("SELECT count(*) FROM events").fetchall()[0][0] == count + 6
    assert old.execute("SELECT count(*) FROM events").fetchall()[0][0] == count
    assert fresh.cursor().execute("SELECT count(*) FROM imports").fetchall()[0][0] == 1
    old.close()
    fresh.close()


# ----------------------------------------------------------------------------- backups

def test_last_five_backups_are_kept_and_one_can_be_restored(writable_db, tmp_path):
    states = []
    for k in range(6):
        states.append(data_sums(writable_db))
        f = tmp_path / f"evenement-{k}.csv"
        f.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
                     f"Essai {k};0{k + 1}/03/2025;;Lens;62498;Culture;{k}\n", encoding="utf-8")
        assert import_file("events", f, writable_db).status == LOADED
    kept = backup.list_backups(writable_db)
    assert len(kept) == 5 and all(b.before == "events" for b in kept)
    oldest = kept[-1]  # taken before the 2nd import
    current = data_sums(writable_db)
    backup.restore(oldest.name, writable_db)
    assert data_sums(writable_db) == states[1]
    assert rows(writable_db, "SELECT count(*) FROM events WHERE title LIKE 'Essai %'") == [(1,)]
    history = log(writable_db)
    assert [h[5] for h in history] == ["chargé"] * 6 + ["restauré"]   # the history is not rolled back
    assert history[-1][0] == "restauration" and history[-1][1] == oldest.name
    # The replaced state was kept: restoring it undoes the restore.
    newest = backup.list_backups(writable_db)[0]
    assert newest.before == "restauration"
    backup.restore(newest.name, writable_db)
    assert data_sums(writable_db) == current


def test_backups_taken_within_one_second_keep_their_order(tmp_path):
    db = tmp_path / "base.duckdb"
    db.write_bytes(b"version 1")
    now = datetime(2025, 1, 1, 10, 0, 0)
    names = [backup.keep(db, what, now).name for what in ("events", "restauration", "investments")]
    assert names == ["base.20250101-100000.events.duckdb", "base.20250101-100000-2.restauration.duckdb",
                     "base.20250101-100000-3.investments.duckdb"]
    assert [b.name for b in backup.list_backups(db)] == names[::-1]
    for k in range(4):
        backup.keep(db, "events", datetime(2025, 1, 2, 10, 0, k))
    kept = backup.list_backups(db)
    assert len(kept) == 5 and kept[-1].name == "base.20250101-100000-3.investments.duckdb"


@pytest.mark.parametrize("dataset,header,row,column", [
    ("solar_production", "annee;code_commune;nom_commune;code_epci;domaine_de_tension;"
     "nb_sites_photovoltaique_enedis;energie_produite_annuelle_photovoltaique_enedis_mwh",
     "{year};62498;Lens;246200364;BT < 36 kVA;412;2301,5", "annee"),
    ("solar_production", "code_commune;annee;sites;puissance_kw;energie_mwh", "62498;{year};3;4;5", "annee"),
    ("indicators", "id;annee;libelle;valeur", "test_ind;{year};Test;1", "annee"),
    ("investments", "nom;entreprise;secteur;code_commune;montant_eur;emplois;statut;annee_annonce;id;description",
     "Projet T;Ent;Industrie;62119;1000000;25;annoncé;{year};inv-t;Une description", "annee_annonce"),
])
def test_a_year_of_facts_after_the_current_year_is_refused(writable_db, tmp_path, monkeypatch, dataset, header,
                                                           row, column):
    """« 2099 » typed for 2019 would become the latest year every page shows: refused, naming the
    line and column, nothing changed; the current year itself loads."""
    monkeypatch.setenv("ECOTRANSITION_TODAY", "2026-11-30")
    before = data_sums(writable_db)
    f = tmp_path / "annee.csv"
    f.write_text(header + "\n" + row.format(year=2099) + "\n", encoding="utf-8")
    result = import_file(dataset, f, writable_db)
    assert result.status == REFUSED
    assert lines(result.message) == [f"ligne 2, {column} : « 2099 » est postérieure à 2026 (année en cours) : "
                                     "année non plausible"]
    assert data_sums(writable_db) == before
    f.write_text(header + "\n" + row.format(year=2026) + "\n", encoding="utf-8")
    assert import_file(dataset, f, writable_db).status == LOADED


def test_an_event_placed_at_its_communes_centroid_hides_no_counter_fault(writable_db, tmp_path):
    # The tester's case (t12g, finding 1): a pool's closure in Pont-à-Vendin, without coordinates,
    # is stored at the commune's centroid (204 m from demo-cpt-006) for the map, marked derived,
    # and the counter's labelled two-week drop (07-20/10/2024) stays flagged, every day of it.
    from ecotransition.core import anomalies
    from ecotransition.data import sql
    from ecotransition.themes import parks

    src = tmp_path / "ev_pav.csv"
    src.write_text("titre;date_debut;date_fin;lieu;commune_code;theme;participants\n"
                   "Piscine municipale fermée pour vidange;2024-10-01;2024-10-31;Piscine municipale;62666;Sport;\n",
                   encoding="utf-8")
    assert import_file("events", src, writable_db).status == LOADED
    assert rows(writable_db, "SELECT commune_code, lat IS NOT NULL, position_derived FROM events "
                             "WHERE title LIKE 'Piscine municipale%'") == [("62666", True, True)]
    assert rows(writable_db, "SELECT count(*) FROM events WHERE position_derived") == [(1,)]
    conn = open_readonly(writable_db)
    try:
        t = anomalies.thresholds()
        area = dict(epci=None, commune="62666")
        near = sql.run(conn, "counter_event_days", **area, **anomalies.closure_params(t))
        assert len(near) == 0
        daily = sql.run(conn, "counter_days", **area)
        runs = sql.run(conn, "counter_flat_runs", min_measures=t.flat_hours, min_value=t.flat_min_value, **area)
        channels = sql.run(conn, "visits_channel_years", **area)
        flags = parks.flags_for_area(daily, runs, None, channels, t, near=near)
        # Nor is the pool an event of the counter on its chart.
        counter = channels[channels["channel_id"].str.startswith("demo-cpt-006")]
        shown = parks.events_for_area(sql.run(conn, "events_list", annee=2024), None, "62666", counter, t)
        assert "Piscine municipale fermée pour vidange" not in set(shown["title"])
    finally:
        conn.close()
    mine = flags[flags["channel_id"].str.startswith("demo-cpt-006") & (flags["rule"] != "gap")
                 & (flags["start"].astype(str) >= "2024")]
    assert [(r.rule, str(r.start), int(r.days)) for r in mine.itertuples()] == [
        ("drop", "2024-10-07", 14)]


def test_an_event_of_more_participants_than_the_documented_maximum_is_refused(writable_db, tmp_path):
    """t12i finding 3: 1 000 000 000 participants for one event was loaded (« Participants recensés
    1 075 573 276 » for a territory of 650 000 people); at most 1 000 000, the line, column and reason named."""
    f = tmp_path / "agenda.csv"
    f.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
                 "Fête du parc;14/09/2025;;Lens;62498;Culture;1000000\n"
                 "Concert;15/09/2025;;Lens;62498;Culture;1000000000\n", encoding="utf-8")
    before = data_sums(writable_db)
    result = import_file("events", f, writable_db)
    assert result.status == REFUSED
    assert result.message.splitlines()[1:] == [
        "- ligne 3, participants : « 1000000000 » est supérieur au maximum (1\u202f000\u202f000)"]
    assert data_sums(writable_db) == before
    f.write_text("titre;date_debut;date_fin;lieu;code_commune;theme;participants\n"
                 "Fête du parc;14/09/2025;;Lens;62498;Culture;1000000\n", encoding="utf-8")
    assert import_file("events", f, writable_db).status == LOADED
    assert rows(writable_db, "SELECT participants FROM events WHERE title = 'Fête du parc'") == [(1_000_000,)]
