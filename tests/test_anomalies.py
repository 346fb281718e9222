"""Anomaly flags of the counter channels, rule by rule, on small series with known answers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from conftest import counter_site_db
from ecotransition.core import anomalies as A
from ecotransition.data import sql

START = pd.Timestamp("2024-06-01")
# The counter of the series (a channel of Lens) and where it stands.
CHANNELS = pd.DataFrame({"channel_id": ["c1"], "commune_code": ["62498"], "lat": [50.44], "lon": [2.81],
                         "site_name": ["Parc de Lens – compteur 1"], "park": ["Parc de Lens"]})


def series(values, missing=None) -> pd.DataFrame:
    """One channel, one row per day from 1 June 2024: `values` passages (None: every hour missing),
    `missing` {day index: hours not measured}."""
    missing = missing or {}
    return pd.DataFrame({
        "channel_id": "c1",
        "day": [START + pd.Timedelta(days=k) for k in range(len(values))],
        "visits": [float("nan") if v is None else float(v) for v in values],
        "measures": 24,
        "missing_measures": [24 if v is None else missing.get(k, 0) for k, v in enumerate(values)],
    })


def spans(flags: pd.DataFrame, rule: str) -> list[tuple[date, date, int]]:
    f = flags.loc[flags["rule"] == rule]
    return list(zip(f["start"], f["end"], f["days"]))


def day(k: int) -> date:
    return (START + pd.Timedelta(days=k)).date()


def closure(first: int, last: int, title="Parc de Lens fermé pour travaux", lat=50.4405, lon=2.8105, place=None):
    return pd.DataFrame({"id": ["ev"], "title": [title], "description": [None], "start_date": [day(first)],
                         "end_date": [day(last)], "commune_code": ["62498"], "lat": [lat], "lon": [lon],
                         "place": [place]})


def test_a_stuck_week_is_flagged_day_by_day():
    # 30 days at 100 passages, then a week at 0: days 30 to 36 (1 to 7 July).
    got = A.day_flags(series([100] * 30 + [0] * 7 + [100] * 5))
    assert spans(got, "zero") == [(date(2024, 7, 1), date(2024, 7, 7), 7)]
    assert got.loc[got["rule"] == "zero", "detail"].iloc[0] == "0 passage pendant 7 jours ; niveau habituel 100 passages par jour"
    assert set(got["rule"]) == {"zero"}


def test_one_day_at_zero_or_a_channel_that_rarely_counts_is_not_flagged():
    assert A.day_flags(series([100] * 30 + [0] + [100] * 5)).empty
    assert A.day_flags(series([5] * 30 + [0] * 7 + [5] * 5)).empty     # level 5 < usual_min 20


def test_a_closure_announced_by_an_event_is_not_a_fault():
    values = [100] * 30 + [0] * 7 + [100] * 5
    # Closed 1-7 July: nothing flagged; closed 1-5 July only: the 6 and 7 July stay flagged.
    assert A.day_flags(series(values), events=closure(30, 36), channels=CHANNELS).empty
    got = A.day_flags(series(values), events=closure(30, 34), channels=CHANNELS)
    assert spans(got, "zero") == [(date(2024, 7, 6), date(2024, 7, 7), 2)]
    # An event that does not say « fermé », or a closure 5 km away, explains nothing.
    assert spans(A.day_flags(series(values), events=closure(30, 36, title="Fête du parc"), channels=CHANNELS),
                 "zero") == [(date(2024, 7, 1), date(2024, 7, 7), 7)]
    assert spans(A.day_flags(series(values), events=closure(30, 36, title="Square fermé pour travaux", lat=50.485),
                             channels=CHANNELS), "zero") == [(date(2024, 7, 1), date(2024, 7, 7), 7)]


CLOSING = ["Parc de Lens fermé pour travaux", "PARC FERMÉ", "PARC FERME", "Parc ferme le lundi", "Allées fermees",
           "Fermeture exceptionnelle", "FERMETURE", "Sites fermés au public", "Fermées : les deux entrées",
           "La ferme est fermée"]
NOT_CLOSING = ["Fermentation des déchets verts", "Refermer les barrières", "Marché fermier", "Fermette du parc",
               "Terrain affermé", "Animaux enfermés", "Visite de la ferme du parc", "Une ferme pédagogique",
               "Parc ouvert"]


@pytest.mark.parametrize("text", CLOSING)
def test_a_closure_word_matches_whatever_its_case_and_accents(text):
    assert A.is_closure(text, None, A.Thresholds())
    assert A.is_closure(None, f"Travaux. {text}.", A.Thresholds())


@pytest.mark.parametrize("text", NOT_CLOSING)
def test_a_closure_word_inside_another_word_or_the_noun_ferme_does_not_match(text):
    assert not A.is_closure(text, None, A.Thresholds())


# The tester's texts (#12, item 8) and their neighbours: True when the text announces a closure.
CLOSURE_TABLE = [
    # Farms: the noun « ferme(s) », never a closure.
    ("Ferme pédagogique : portes ouvertes", False),
    ("Ferme du parc ouverte tout l'été", False),
    ("Visite de ferme", False),
    ("Les fermes du parc", False),
    ("Journée des fermes ouvertes", False),
    ("FERME PÉDAGOGIQUE", False),
    ("Goûter à la ferme", False),
    ("Nos fermes bio en fête", False),
    ("Marché des producteurs : ferme urbaine", False),
    ("Fermes ouvertes du Pas-de-Calais", False),
    # Closures: every form of « fermé » and « fermeture », singular or plural, with or without accents.
    ("Fermetures exceptionnelles", True),
    ("Fermeture annuelle", True),
    ("Parc fermé", True),
    ("Allée fermée", True),
    ("Sentiers fermés après la tempête", True),
    ("Entrées fermées", True),
    ("Sites fermes au public", True),
    ("Pelouses fermees", True),
    ("FERME", True),
    ("Parc FERME pour travaux", True),
    ("PARC FERME", True),
    ("Parc ferme le lundi", True),
    ("La ferme du parc est fermée", True),
    ("Les fermes ouvertes, le parc fermé", True),
    # t12h finding 8: a closure denied is no closure (« non », « ne … pas », « plus », « sans », « aucune »
    # among the two words before it); a reopening date beside a closure still announces it.
    ("Parc non fermé, accès libre", False),
    ("Ne sera pas fermé", False),
    ("Le parc n'est plus fermé le lundi", False),
    ("Pas de fermeture prévue cet hiver", False),
    ("Sans fermeture pendant les travaux", False),
    ("Aucune fermeture", False),
    ("Parc NON FERME", False),
    ("Fermeture pour travaux, réouverture le 15 mars", True),
    ("Non loin du parc fermé", True),
    # Two intensifiers between the negation and the word deny it too; other words do not.
    ("Le parc n'est pas du tout fermé", False),
    ("Le site n'a jamais été complètement fermé", False),
    ("Pas encore totalement fermé", False),
    ("Pas de fête : parc fermé", True),
    ("Pas de souci, parc fermé", True),
]


@pytest.mark.parametrize("text, closed", CLOSURE_TABLE)
def test_closure_words_against_farm_nouns_and_plurals(text, closed):
    assert A.is_closure(text, None, A.Thresholds()) is closed
    assert A.is_closure("Animation", text, A.Thresholds()) is closed


MATCHING = [(t, True) for t in CLOSING] + [(t, False) for t in NOT_CLOSING] + CLOSURE_TABLE


def test_the_sql_matching_reads_every_text_as_is_closure_does():
    # queries/counter_event_days.sql on every text of the tables above, each an event at the counter
    # on a day of its own, in the title and in the description (#12f item 4: the matching moved
    # from a Python loop into SQL): the days it says closed are exactly those is_closure says.
    texts = [(title, desc, closed) for text, closed in MATCHING
             for title, desc in ((text, None), ("Animation", text))]
    texts += [("Animation", f"Travaux. {text}.", True) for text in CLOSING]
    ev = pd.DataFrame({"title": [title for title, _, _ in texts],
                       "description": [desc for _, desc, _ in texts],
                       "start_date": [START + pd.Timedelta(days=k) for k in range(len(texts))],
                       "end_date": None, "commune_code": "62498", "lat": 50.4401, "lon": 2.8101})
    got = A.event_days(ev, CHANNELS, A.Thresholds())
    assert len(got) == len(texts) == 2 * 57 + 10
    said = dict(zip(got["day"], got["closed"]))
    wrong = [(title, desc) for k, (title, desc, closed) in enumerate(texts)
             if said[START + pd.Timedelta(days=k)] is not closed
             or A.is_closure(title, desc, A.Thresholds()) is not closed]
    assert wrong == []


def test_a_closure_without_accents_or_capitals_still_covers_its_days():
    # The stuck week of test_a_stuck_week_is_flagged_day_by_day, announced as « PARC FERME ».
    got = A.day_flags(series([100] * 30 + [0] * 7 + [100] * 5), events=closure(30, 36, title="PARC FERME"),
                      channels=CHANNELS)
    assert got.empty
    # « Visite de la ferme » on those days is an event, not a closure: the week is still flagged.
    got = A.day_flags(series([100] * 30 + [0] * 7 + [100] * 5), events=closure(30, 36, title="Visite de la ferme"),
                      channels=CHANNELS)
    assert spans(got, "zero") == [(date(2024, 7, 1), date(2024, 7, 7), 7)]


def test_a_closure_without_a_position_covers_the_counter_whose_site_or_park_it_names():
    week = series([100] * 30 + [0] * 7)
    stuck = [(date(2024, 7, 1), date(2024, 7, 7), 7)]
    # Naming the park (title or place), or the site without « – compteur 1 », whatever the case.
    for title, place in [("Parc de Lens fermé pour travaux", None), ("Fermeture pour travaux", "Parc de Lens"),
                         ("PARC DE LENS : FERMETURE", None), ("Parc de Lens – compteur 1 fermé", None)]:
        got = A.day_flags(week, events=closure(30, 36, title=title, lat=None, lon=None, place=place),
                          channels=CHANNELS)
        assert got.empty, (title, place)
    # A closure of something else in the commune says nothing of the park: the week stays flagged.
    for title, place in [("Piscine municipale fermée pour vidange", None), ("Fermeture de la mairie", "Mairie"),
                         ("Parc de Liévin fermé", None)]:
        got = A.day_flags(week, events=closure(30, 36, title=title, lat=None, lon=None, place=place),
                          channels=CHANNELS)
        assert spans(got, "zero") == stuck, (title, place)
    # Naming the park from another commune does not close it either... unless the event has no commune.
    other = closure(30, 36, lat=None, lon=None).assign(commune_code="62065")
    assert spans(A.day_flags(week, events=other, channels=CHANNELS), "zero") == stuck
    assert A.day_flags(week, events=other.assign(commune_code=None), channels=CHANNELS).empty


def test_only_the_events_about_the_counter_cover_its_days():
    # The tester's case: a pool closed all summer in the counter's commune, no position.
    ev = pd.DataFrame({"title": ["Piscine municipale fermée pour vidange", "Parc de Lens fermé", "Fête du parc"],
                       "description": [None, None, None], "place": [None, None, "Parc de Lens"],
                       "start_date": [date(2024, 7, 1), date(2024, 7, 3), date(2024, 7, 10)],
                       "end_date": [date(2024, 9, 30), date(2024, 7, 4), None],
                       "commune_code": ["62498"] * 3, "lat": [None] * 3, "lon": [None] * 3})
    got = A.event_days(ev, CHANNELS, A.Thresholds())
    assert list(zip(got["day"].dt.date, got["closed"])) == [
        (date(2024, 7, 3), True), (date(2024, 7, 4), True), (date(2024, 7, 10), False)]
    # A counter without a position is found by its names too, never by its commune alone.
    nowhere = CHANNELS.assign(lat=None, lon=None)
    positioned = ev.assign(lat=50.4401, lon=2.8101)
    assert len(A.event_days(positioned.iloc[:1], nowhere, A.Thresholds())) == 0
    assert len(A.event_days(positioned.iloc[1:2], nowhere, A.Thresholds())) == 2


def test_a_drop_of_three_days_or_more_is_flagged_not_two():
    got = A.day_flags(series([100] * 30 + [20] * 4 + [100] * 10 + [20] * 2 + [100] * 5))
    assert spans(got, "drop") == [(date(2024, 7, 1), date(2024, 7, 4), 4)]
    assert got["detail"].iloc[0] == "20 passages par jour en moyenne ; niveau habituel 100 passages par jour"


def test_a_long_fault_stays_flagged_for_as_long_as_it_lasts():
    # The level comes from the days before the fault, not from its own days (t12g, finding 2):
    # 60 days at 100 from 1 June (to 30 July), then 40 days (31 July - 8 September).
    got = A.day_flags(series([100] * 60 + [10] * 40))
    assert spans(got, "drop") == [(day(60), day(99), 40)]
    assert set(got["rule"]) == {"drop"}
    assert got["detail"].iloc[0] == "10 passages par jour en moyenne ; niveau habituel 100 passages par jour"
    got = A.day_flags(series([100] * 60 + [0] * 40))
    assert spans(got, "zero") == [(day(60), day(99), 40)]
    assert set(got["rule"]) == {"zero"}
    # 10 days not measured, then 30 at 0: the level before the gap holds.
    got = A.day_flags(series([100] * 60 + [None] * 10 + [0] * 30))
    assert spans(got, "gap") == [(day(60), day(69), 10)]
    assert spans(got, "zero") == [(day(70), day(99), 30)]
    assert set(got["rule"]) == {"gap", "zero"}


def test_a_spike_is_a_jump_but_a_return_to_the_usual_level_is_not():
    got = A.day_flags(series([100] * 30 + [500] + [100] * 30))
    assert spans(got, "jump") == [(date(2024, 7, 1), date(2024, 7, 1), 1)]
    # 30 days at 20 then 30 days at 100 (the end of a lockdown): no jump, the level after is 100.
    assert A.day_flags(series([20] * 30 + [100] * 30)).empty
    # An announced event near the counter explains the spike.
    fete = closure(30, 30, title="Fête du parc")
    assert A.day_flags(series([100] * 30 + [500] + [100] * 30), events=fete, channels=CHANNELS).empty
    # A closure announced that day does not: a park said closed that counts 5 times its level (t12i
    # finding 9); its days at 0 stay unflagged.
    shut = closure(30, 33)
    got = A.day_flags(series([100] * 30 + [500, 0, 0, 0] + [100] * 30), events=shut, channels=CHANNELS)
    assert spans(got, "jump") == [(date(2024, 7, 1), date(2024, 7, 1), 1)] and spans(got, "zero") == []
    # Unless another event of that day is announced: a festival while an alley is closed (t12j finding 4).
    both = pd.concat([fete, closure(30, 30, title="Allée des tilleuls fermée").assign(id="ev2")], ignore_index=True)
    assert A.day_flags(series([100] * 30 + [500] + [100] * 30), events=both, channels=CHANNELS).empty


def test_gaps_are_days_with_three_hours_missing_or_no_row_at_all():
    s = series([100] * 10, missing={2: 2, 4: 5})
    s = s.drop(index=7)                       # 8 June: no row at all
    s.loc[8, ["visits", "missing_measures"]] = [float("nan"), 24]   # 9 June: every hour missing
    got = A.day_flags(s)
    assert spans(got, "gap") == [(date(2024, 6, 5), date(2024, 6, 5), 1), (date(2024, 6, 8), date(2024, 6, 9), 2)]
    assert list(got["detail"]) == ["5 heures non mesurées", "48 heures non mesurées"]


def test_a_channel_that_stops_before_the_others_is_missing_to_their_last_day():
    on = series([100] * 20)
    stopped = series([100] * 12).assign(channel_id="c2")        # nothing after 12 June
    got = A.day_flags(pd.concat([on, stopped], ignore_index=True))
    gaps = got.loc[got["rule"] == "gap"]
    assert list(zip(gaps["channel_id"], gaps["start"], gaps["end"], gaps["days"])) == [
        ("c2", date(2024, 6, 13), date(2024, 6, 20), 8)]
    assert list(gaps["detail"]) == ["192 heures non mesurées"]


def test_thresholds_are_settings_with_defaults():
    t = A.thresholds({})
    assert (t.zero_days, t.flat_hours, t.flat_min_value, t.drop_ratio, t.drop_days, t.jump_ratio, t.gap_hours,
            t.usual_min, t.level_days, t.closure_radius_m) == (2, 6, 4, 0.3, 3, 4.0, 3, 20, 28, 1000)
    t = A.thresholds({"ECOTRANSITION_FLAG_ZERO_DAYS": "8", "ECOTRANSITION_FLAG_DROP_RATIO": "0,5"})
    assert (t.zero_days, t.drop_ratio) == (8, 0.5)
    # 7 days at 0 are then too short for « zéros prolongés »: still a sudden drop.
    got = A.day_flags(series([100] * 30 + [0] * 7 + [100] * 5), t)
    assert spans(got, "zero") == [] and spans(got, "drop") == [(date(2024, 7, 1), date(2024, 7, 7), 7)]


@pytest.mark.parametrize("name, raw, allowed, default", [
    ("ZERO_DAYS", "0", "un nombre entier de 1 à 366", "2"),
    ("ZERO_DAYS", "2,5", "un nombre entier de 1 à 366", "2"),
    ("DROP_RATIO", "-1", "un nombre strictement entre 0 et 1 (0,3 : 30 %)", "0,3"),
    ("DROP_RATIO", "1", "un nombre strictement entre 0 et 1 (0,3 : 30 %)", "0,3"),
    ("JUMP_RATIO", "0.5", "un nombre strictement supérieur à 1, jusqu'à 1 000", "4"),
    ("GAP_HOURS", "trois", "un nombre entier de 1 à 24", "3"),
    ("GAP_HOURS", "25", "un nombre entier de 1 à 24", "3"),
    ("LEVEL_DAYS", "2", "un nombre entier de 3 à 366", "28"),
    ("FLAT_HOURS", "1", "un nombre entier de 2 à 8 784", "6"),
    ("CLOSURE_RADIUS_M", "nan", "un nombre de mètres de 0 à 100 000", "1\u202f000"),
    ("USUAL_MIN", "-5", "un nombre de 0 à 1 000 000", "20"),
    ("SEASON_DAYS", "184", "un nombre entier de jours de 0 à 183", "14"),
    # what float() reads but no one writes as a threshold
    ("ZERO_DAYS", "1e15", "un nombre entier de 1 à 366", "2"),
    ("LEVEL_DAYS", "1_000", "un nombre entier de 3 à 366", "28"),
    # a typo's size: the rules broke on it (OverflowError) or its text did (babel)
    ("LEVEL_DAYS", "1" + "0" * 25, "un nombre entier de 3 à 366", "28"),
    ("CLOSURE_RADIUS_M", "1" + "0" * 30, "un nombre de mètres de 0 à 100 000", "1\u202f000"),
    ("GAP_HOURS", "\u0666", "un nombre entier de 1 à 24", "3"),
    ("USUAL_MIN", "2e1", "un nombre de 0 à 1 000 000", "20"),
    ("DROP_RATIO", "0,5,1", "un nombre strictement entre 0 et 1 (0,3 : 30 %)", "0,3"),
    # a thousands point or three decimals? (t12k finding 2: « 1.000 » read as 1)
    ("FLAT_MIN_VALUE", "1.000", "un nombre entier de 1 à 1 000 000", "4"),
    ("CLOSURE_RADIUS_M", "1,500", "un nombre de mètres de 0 à 100 000", "1\u202f000"),
    ("GAP_HOURS", "3\u200b", "un nombre entier de 1 à 24", "3"),     # shown « 3<U+200B> » (t12k finding 7)
])
def test_a_threshold_out_of_its_range_is_refused_and_its_default_used(name, raw, allowed, default):
    t, refused = A.read_thresholds({f"ECOTRANSITION_FLAG_{name}": raw})
    assert t == A.Thresholds()
    assert refused == [f"ECOTRANSITION_FLAG_{name} = « {A.visible(raw)} » est refusé : il faut {allowed}, écrit en "
                       "chiffres (3 ; 0,5 ; 1 000 ; pas « 1.000 », millier ou décimales ?). "
                       f"La valeur par défaut ({default}) est utilisée."]


def test_thresholds_at_the_ends_of_their_ranges_are_taken():
    t, refused = A.read_thresholds({"ECOTRANSITION_FLAG_ZERO_DAYS": "1", "ECOTRANSITION_FLAG_GAP_HOURS": "24",
                                    "ECOTRANSITION_FLAG_DROP_RATIO": "0,99", "ECOTRANSITION_FLAG_LEVEL_DAYS": "3",
                                    "ECOTRANSITION_FLAG_CLOSURE_RADIUS_M": "0", "ECOTRANSITION_FLAG_FLAT_HOURS": "6.0",
                                    "ECOTRANSITION_FLAG_SEASON_DAYS": "0"})
    assert refused == []
    assert (t.zero_days, t.gap_hours, t.drop_ratio, t.level_days, t.closure_radius_m, t.flat_hours, t.season_days) == (
        1, 24, 0.99, 3, 0, 6, 0)
    assert isinstance(t.flat_hours, int)
    # The ends of the ranges as the message says them (t12k finding 1: « jusqu'à 1 000 » refused 1 000).
    t, refused = A.read_thresholds({"ECOTRANSITION_FLAG_JUMP_RATIO": "1 000", "ECOTRANSITION_FLAG_DROP_RATIO": "0,125"})
    assert refused == [] and (t.jump_ratio, t.drop_ratio) == (1000, 0.125)
    # Thousands grouped by a space, as staff write them.
    t, refused = A.read_thresholds({"ECOTRANSITION_FLAG_CLOSURE_RADIUS_M": "1 500", "ECOTRANSITION_FLAG_USUAL_MIN": "2\u202f000,5"})
    assert refused == [] and (t.closure_radius_m, t.usual_min) == (1500, 2000.5)


@pytest.fixture()
def hourly():
    """An in-memory database with one channel: 2 days of hours counting 1, 2, 3… except a flat
    run of 15 from 10 h to 17 h on 2 June (8 measures), a run of 4 × 2 at night (1 h counts 2 already), and a missing hour."""
    c = counter_site_db((("c1", "PEDESTRIAN", 3600),))
    hours = pd.date_range("2024-06-01", periods=48, freq="h")
    counts = [float(k % 7 + 1) for k in range(48)]
    counts[34:42] = [15.0] * 8          # 2 June, 10 h to 17 h
    counts[2:5] = [2.0] * 3             # with 1 h: 1 June, 1 h to 4 h, four hours at 2: too short, too small
    counts[20] = None                   # a missing hour ends nothing but itself
    frame = pd.DataFrame({"channel_id": "c1", "start_datetime": hours, "end_datetime": hours + pd.Timedelta(hours=1),
                          "count": pd.array(counts, dtype="Int64"), "source": "test"})
    c.register("frame", frame)
    c.execute("INSERT INTO counter_measures (channel_id, start_datetime, end_datetime, count, source) "
              "SELECT * FROM frame")
    yield c
    c.close()


def test_a_flat_day_is_found_in_the_hourly_measures(hourly):
    runs = sql.run(hourly, "counter_flat_runs", min_measures=3, min_value=1, epci=None, commune=None)
    assert list(zip(runs["run_start"].astype(str), runs["measures"], runs["value"])) == [
        ("2024-06-01 01:00:00", 4, 2), ("2024-06-02 10:00:00", 8, 15)]
    got = A.flat_flags(runs)
    assert list(zip(got["start"], got["end"], got["days"], got["detail"])) == [
        (date(2024, 6, 2), date(2024, 6, 2), 1, "15 passages à chaque mesure pendant 8 mesures, le 2 juin 2024 de 10 h à 18 h")]


def test_a_flat_run_during_an_announced_closure_is_not_flagged(hourly):
    runs = sql.run(hourly, "counter_flat_runs", min_measures=3, min_value=1, epci=None, commune=None)
    ev = closure(1, 1, lat=None, lon=None)       # 2 June, commune of Lens
    assert A.flat_flags(runs, events=ev, channels=CHANNELS).empty


def test_the_totals_count_channel_days_once():
    # 11 June has 5 hours missing and a flat run: two flags, one channel-day.
    runs = pd.DataFrame({"channel_id": ["c1"], "run_start": [pd.Timestamp("2024-06-11 08:00")],
                         "run_end": [pd.Timestamp("2024-06-11 15:00")], "run_stop": [pd.Timestamp("2024-06-11 16:00")],
                         "measures": [8], "value": [15]})
    f = A.flags(series([100] * 30 + [0] * 7 + [100] * 5, missing={10: 5}), runs)
    assert list(f["label"]) == ["valeur figée", "lacune", "zéros prolongés"]
    assert A.summary(f, 42) == "8 jours-canaux signalés sur 42 (zéros prolongés 7, valeur figée 1, lacune 1)"
    assert A.summary(f.iloc[0:0], 42) == "aucun jour-canal signalé sur 42"


def test_the_chart_of_one_counter_shows_the_events_about_it_only():
    # #12, item 14: with a counter chosen, the events near it or naming its park, not the Pôle's.
    from ecotransition.themes import parks
    ev = pd.DataFrame({"title": ["Fête du parc", "Course", "Piscine fermée", "Salon à Béthune", "Parc en fête"],
                       "description": [None] * 5, "place": [None, "Parc de Lens", None, None, None],
                       "start_date": [date(2024, 7, 1)] * 5, "end_date": [None] * 5,
                       "commune_code": ["62498", "62498", "62498", "62119", None], "epci": ["x"] * 5,
                       "theme": [None, None, None, None, "Chaîne des parcs"],
                       "lat": [50.4402, None, None, 50.53, None], "lon": [2.8102, None, None, 2.64, None]})
    assert list(parks.events_for_area(ev, None, None, CHANNELS)["title"]) == ["Fête du parc", "Course"]
    # No counter chosen: the area's events, as before.
    assert list(parks.events_for_area(ev, None, "62498")["title"]) == ["Fête du parc", "Course", "Piscine fermée"]
    assert len(parks.events_for_area(ev, None, None)) == 5


def test_the_chart_of_one_counter_draws_its_closures_and_a_few_events_only():
    # t12h finding 7: a whole agenda within 1 km of a counter covered its chart with bands. Drawn: every
    # closure of its place, and 4 other events (those on its flagged days first); the rest counted.
    from ecotransition.themes import parks
    n = 60
    ev = pd.DataFrame({"title": ["Parc fermé pour travaux", "Parc non fermé, accès libre"]
                       + [f"Atelier n°{k}" for k in range(n)],
                       "description": [None] * (n + 2), "place": [None] * (n + 2),
                       "start_date": [date(2024, 3, 4), date(2024, 3, 20)]
                       + [date(2024, 1, 1) + pd.Timedelta(days=3 * k) for k in range(n)],
                       "end_date": [date(2024, 3, 10)] + [None] * (n + 1),
                       "commune_code": ["62498"] * (n + 2), "epci": ["CALL"] * (n + 2), "theme": [None] * (n + 2),
                       "participants": [None, None] + [10] * n,
                       "lat": [50.4402] * (n + 2), "lon": [2.8102] * (n + 2)})
    about = parks.events_for_area(ev, None, None, CHANNELS)
    assert len(about) == n + 2 and about["closure"].tolist() == [True] + [False] * (n + 1)
    table = parks.series_table(pd.DataFrame({
        "period": pd.date_range("2024-01-01", "2024-12-31", freq="D"), "mobility_type": "BIKE",
        "visits": 100.0, "missing_hours": 0.0, "hours": 24.0, "is_demo": False}), "day")
    flags = pd.DataFrame({"channel_id": ["c1"], "rule": ["drop"], "label": ["baisse soudaine"],
                          "start": [pd.Timestamp("2024-05-01")], "end": [pd.Timestamp("2024-05-07")],
                          "days": [7], "detail": ["x"], "source": ["x"], "channel": ["Parc de Lens"],
                          "period": ["du 1er au 7 mai 2024"]})
    shown, left_out = parks.chart_events(about, flags, pd.Timestamp("2024-01-01"), pd.Timestamp("2025-01-01"))
    # The closure, the two ateliers of 3 and 6 May (flagged days), then the earliest two (by start).
    assert shown["title"].tolist() == ["Atelier n°0", "Atelier n°1", "Parc fermé pour travaux", "Atelier n°41",
                                       "Atelier n°42"]
    assert left_out == 57
    fig = parks.series_figure(table, "day", about, flags)
    pink = [s for s in fig.layout.shapes if s.fillcolor == parks.PALETTE[4] or (s.line and s.line.color == parks.PALETTE[4])]
    assert len(pink) == 5 and sum(s.type == "rect" for s in pink) == 1
    marks = next(t for t in fig.data if t.name.startswith("Événements"))
    assert marks.name == "Événements : 5 tracés, 57 autres autour du compteur non tracés (table des événements)"
    assert [t for t in marks.text if t] == ["Atelier n°0", "Atelier n°1", "Parc fermé pour travaux", "Atelier n°41",
                                            "Atelier n°42"]
    assert "fermeture du site" in marks.hovertext[2] and "fermeture du site" not in marks.hovertext[0]


def test_a_park_closed_every_winter_is_flagged_its_first_winter_only():
    # t12h finding 3, the tester's t12h-seas: 480 passages a day from April to October, 0 from November to
    # March, from 1 April 2023. The winter 2024-25 counts 0 on days it counted 0 a year before: a seasonal
    # closure, neither « zéros prolongés » nor « baisse soudaine ». The first winter has no year before.
    # Five days at 0 in June 2024 (480 a year before) stay a fault.
    days = pd.date_range("2023-04-01", "2025-03-10", freq="D")
    visits = [480.0 if 4 <= d.month <= 10 else 0.0 for d in days]
    fault = [k for k, d in enumerate(days) if date(2024, 6, 10) <= d.date() <= date(2024, 6, 14)]
    for k in fault:
        visits[k] = 0.0
    daily = pd.DataFrame({"channel_id": "t12h-seas", "day": days, "visits": visits, "measures": 24,
                          "missing_measures": 0})
    f = A.day_flags(daily)
    assert spans(f, "zero") == [(date(2023, 11, 1), date(2024, 3, 31), 152), (date(2024, 6, 10), date(2024, 6, 14), 5)]
    assert spans(f, "drop") == []


def winters(first: str, last: str, closed, changes=None) -> pd.DataFrame:
    """One channel « w », a day a row from `first` to `last`: 500 passages, 0 on the days `closed(d)`
    says, or the value `changes` gives a day ({date: passages, None: not measured})."""
    days = pd.date_range(first, last, freq="D")
    changes = changes or {}
    visits = [changes.get(d.date(), 0.0 if closed(d.date()) else 500.0) for d in days]
    return pd.DataFrame({"channel_id": "w", "day": days, "visits": [float("nan") if v is None else v for v in visits],
                         "measures": 24, "missing_measures": [24 if v is None else 0 for v in visits]})


def test_a_park_closed_one_winter_and_open_the_next_has_its_faults_flagged():
    # t12i finding 2: closed from 1 November 2023 to 31 March 2024, open all winter 2024-25 at 500 a day,
    # stuck at 0 on 10-16 January 2025 and at 50 (10 %) on 1-10 February 2025. The zeros of January fall
    # on days at 0 a year before, but the closure then began on 1 November, 70 days off: no season.
    # The days at 50 have passages: never seasonal, a drop.
    def closed(d):
        return date(2023, 11, 1) <= d <= date(2024, 3, 31) or date(2025, 1, 10) <= d <= date(2025, 1, 16)
    f = A.day_flags(winters("2023-04-01", "2025-03-01", closed,
                            {date(2025, 2, 1) + pd.Timedelta(days=k): 50.0 for k in range(10)}))
    assert spans(f, "zero") == [(date(2023, 11, 1), date(2024, 3, 31), 152), (date(2025, 1, 10), date(2025, 1, 16), 7)]
    assert spans(f, "drop") == [(date(2025, 2, 1), date(2025, 2, 10), 10)]
    assert f.loc[f["rule"] == "drop", "detail"].iloc[0] == "50 passages par jour en moyenne ; niveau habituel 500 passages par jour"


def test_a_greenway_quiet_every_winter_is_a_drop_its_first_winter_only():
    # t12i: 500 passages a day from April to October, 50 (10 %) from November to March, from 1 April
    # 2023: each winter was a « baisse soudaine » of 150 days. The winter 2024-25 is as low as the one
    # before, begun the same day: a season. A stuck fall to 40 in June 2024 (500 a year before) stays a
    # drop, and so do the winter days beyond last year's end plus 14 days (20 April - 5 May 2025).
    def visits(d):
        if date(2024, 6, 10) <= d <= date(2024, 6, 14):
            return 40.0
        winter = not (4 <= d.month <= 10) or date(2025, 4, 1) <= d <= date(2025, 5, 5)
        return 50.0 if winter else 500.0
    days = pd.date_range("2023-04-01", "2025-06-30", freq="D")
    daily = pd.DataFrame({"channel_id": "vv", "day": days, "visits": [visits(d.date()) for d in days],
                          "measures": 24, "missing_measures": 0})
    f = A.day_flags(daily)
    assert spans(f, "drop") == [(date(2023, 11, 1), date(2024, 3, 31), 152), (date(2024, 6, 10), date(2024, 6, 14), 5),
                                (date(2025, 4, 15), date(2025, 5, 5), 21)]
    assert spans(f, "zero") == []
    # A winter closed at 0 the year before is a season for a winter open at 10 %.
    closed_then = daily.assign(visits=[0.0 if v == 50.0 and d < pd.Timestamp("2024-04-01") else v
                                       for v, d in zip(daily["visits"], daily["day"])])
    g = A.day_flags(closed_then)
    assert spans(g, "zero") == [(date(2023, 11, 1), date(2024, 3, 31), 152)]
    assert spans(g, "drop") == [(date(2024, 6, 10), date(2024, 6, 14), 5), (date(2025, 4, 15), date(2025, 5, 5), 21)]


def test_a_busier_day_or_the_weekends_of_a_quiet_winter_do_not_split_its_season():
    # t12j finding 2: a greenway at 500 in summer and 50 in winter, one day at 200 on 15 December 2024:
    # the rest of that winter (106 days) was a « baisse soudaine »; weekends at 160 cut every winter
    # into five-day runs, 35 days flagged each winter. Up to 3 busier days do not end a stretch.
    def greenway(d):
        if 4 <= d.month <= 10:
            return 500.0
        return 160.0 if d.weekday() >= 5 else 50.0
    days = pd.date_range("2023-04-01", "2025-03-31", freq="D")
    daily = pd.DataFrame({"channel_id": "vv", "day": days, "visits": [greenway(d.date()) for d in days],
                          "measures": 24, "missing_measures": 0})
    daily.loc[daily["day"] == "2024-12-15", "visits"] = 200.0
    drops = spans(A.day_flags(daily), "drop")
    assert [d for d in drops if d[0] >= date(2024, 4, 1)] == []
    assert drops[0][0] == date(2023, 11, 1) and drops[-1][1] <= date(2024, 3, 31)   # the first winter only
    # A park closed every winter with one day at 30 passages (a warden's visit) in the second.
    closed = winters("2023-04-01", "2025-03-31", lambda d: not (4 <= d.month <= 10), {date(2024, 12, 15): 30.0})
    assert spans(A.day_flags(closed), "zero") == [(date(2023, 11, 1), date(2024, 3, 31), 152)]


def test_a_spike_during_a_closure_at_zero_is_flagged():
    # t12k finding 3: 1 000 passages one day of a closure at 0 had no level after it (no day with
    # passages in the 28 after), and was never flagged, announced closure or not.
    values = [100] * 40 + [0] * 5 + [1000] + [0] * 40 + [100] * 10
    assert spans(A.day_flags(series(values)), "jump") == [(day(45), day(45), 1)]
    assert spans(A.day_flags(series(values), events=closure(40, 85), channels=CHANNELS), "jump") == [(day(45), day(45), 1)]


def test_two_faults_three_normal_days_apart_make_no_season():
    # t12k finding 4: zeros 5-18 August 2024, three days at the usual level, zeros 22 August - 4 September:
    # bridged into a 31-day « season », which hid the stuck week of 6-12 August 2025. Only days still
    # under the usual level bridge a stretch.
    def stuck(d):
        return (date(2024, 8, 5) <= d <= date(2024, 8, 18) or date(2024, 8, 22) <= d <= date(2024, 9, 4)
                or date(2025, 8, 6) <= d <= date(2025, 8, 12))
    f = A.day_flags(winters("2023-06-01", "2025-09-30", stuck))
    assert spans(f, "zero") == [(date(2024, 8, 5), date(2024, 8, 18), 14), (date(2024, 8, 22), date(2024, 9, 4), 14),
                                (date(2025, 8, 6), date(2025, 8, 12), 7)]


def test_a_stuck_week_just_after_reopening_is_flagged():
    # t12k finding 5: closed 1 November - 28 February both winters, open 1-3 March 2025 at the usual
    # level, stuck 4-10 March: the three open days bridged the closure into the stuck week, hidden.
    f = A.day_flags(winters("2023-06-01", "2025-04-30", lambda d: d.month in (11, 12, 1, 2)
                            or date(2025, 3, 4) <= d <= date(2025, 3, 10)))
    assert spans(f, "zero")[-1] == (date(2025, 3, 4), date(2025, 3, 10), 7)


def test_last_year_s_two_week_fault_is_no_season():
    # t12j finding 3: a sensor stuck at 0 from 5 to 18 August 2024 (14 days) made the stuck week of
    # 8-14 August 2025 a « season », unflagged. A season lasts at least four weeks (SEASON_MIN_DAYS).
    f = A.day_flags(winters("2023-06-01", "2025-09-01", lambda d: date(2024, 8, 5) <= d <= date(2024, 8, 18)
                            or date(2025, 8, 8) <= d <= date(2025, 8, 14)))
    assert spans(f, "zero") == [(date(2024, 8, 5), date(2024, 8, 18), 14), (date(2025, 8, 8), date(2025, 8, 14), 7)]
    # The same for a fortnight at 15 % in October, then a week at 15 % the next October.
    f = A.day_flags(winters("2023-06-01", "2025-11-30", lambda d: False,
                            {**{date(2024, 10, 1) + pd.Timedelta(days=k): 75.0 for k in range(14)},
                             **{date(2025, 10, 3) + pd.Timedelta(days=k): 75.0 for k in range(7)}}))
    assert spans(f, "drop") == [(date(2024, 10, 1), date(2024, 10, 14), 14), (date(2025, 10, 3), date(2025, 10, 9), 7)]


def test_a_seasonal_closure_may_begin_a_few_days_off_and_is_flagged_beyond_last_year_s_length():
    # Closed 1 November 2023 - 31 March 2024, then 10 November 2024 - 14 May 2025 (9 days later, within
    # season_days = 14; 44 days longer): the second winter is seasonal up to 31 March 2025 + 14 days, its
    # last 29 days (15 April - 14 May 2025) are « zéros prolongés ». A day not measured in the middle of
    # the closure (1 January 2025) does not split it. With season_days = 5, 9 days off is no season.
    def closed(d):
        return date(2023, 11, 1) <= d <= date(2024, 3, 31) or date(2024, 11, 10) <= d <= date(2025, 5, 14)
    daily = winters("2023-04-01", "2025-06-30", closed, {date(2025, 1, 1): None})
    f = A.day_flags(daily)
    assert spans(f, "zero") == [(date(2023, 11, 1), date(2024, 3, 31), 152), (date(2025, 4, 15), date(2025, 5, 14), 30)]
    assert spans(f, "drop") == []
    strict = A.day_flags(daily, A.Thresholds(season_days=5))
    assert spans(strict, "zero") == [(date(2023, 11, 1), date(2024, 3, 31), 152), (date(2024, 11, 10), date(2024, 12, 31), 52),
                                     (date(2025, 1, 2), date(2025, 5, 14), 133)]


def test_two_passages_in_a_winter_closure_do_not_start_a_new_one():
    # A re-check tester's N1: a park shut every winter, 2 passages on 21 November 2024 (a warden): the
    # rest of that winter began 21 days off last year's closure and was flagged, 130 days.
    f = A.day_flags(winters("2023-06-01", "2025-04-30", lambda d: d.month in (11, 12, 1, 2, 3),
                            {date(2024, 11, 21): 2.0}))
    assert spans(f, "zero") == [(date(2023, 11, 1), date(2024, 3, 31), 152)]
    assert spans(f, "drop") == []


def test_a_short_closure_or_last_year_s_fault_is_no_season():
    # A re-check tester's N2: closed on 25 December and 1 January every year, a sensor stuck from 2 to 12
    # January 2025 was taken for the season; so was an 11-day fault of January 2025 after a 3-day one of
    # January 2024. A season lasts at least season_days (14) days.
    f = A.day_flags(winters("2023-06-01", "2025-03-01", lambda d: (d.month, d.day) in ((12, 25), (1, 1))
                            or date(2025, 1, 2) <= d <= date(2025, 1, 12)))
    assert spans(f, "zero") == [(date(2025, 1, 1), date(2025, 1, 12), 12)]
    f = A.day_flags(winters("2023-06-01", "2025-03-01", lambda d: date(2024, 1, 10) <= d <= date(2024, 1, 12)
                            or date(2025, 1, 15) <= d <= date(2025, 1, 25)))
    assert spans(f, "zero") == [(date(2024, 1, 10), date(2024, 1, 12), 3), (date(2025, 1, 15), date(2025, 1, 25), 11)]


def test_29_february_of_a_closed_winter_is_seasonal():
    # t12i finding 8: with ZERO_DAYS = 1 the 29 February 2024 of a park shut every winter (November to
    # March, from June 2022) was flagged alone; it lies in a closure that began as the year before's.
    f = A.day_flags(winters("2022-06-01", "2024-06-01", lambda d: d.month in (11, 12, 1, 2, 3)),
                    A.Thresholds(zero_days=1))
    assert spans(f, "zero") == [(date(2022, 11, 1), date(2023, 3, 31), 151)]


def test_the_summary_counts_each_channel_day_once_per_rule():
    # A re-check tester: three flat runs of one channel sharing 05/06 and 06/06 read « 366 jours-canaux
    # signalés sur 366 (valeur figée 368) », a rule counting more days than the total.
    rows = [("c", "flat", "2024-01-01", "2024-06-05", 157, ""), ("c", "flat", "2024-06-05", "2024-06-06", 2, ""),
            ("c", "flat", "2024-06-06", "2024-12-31", 209, ""), ("c", "gap", "2024-06-06", "2024-06-07", 2, "")]
    flags_ = pd.DataFrame(rows, columns=A.FLAG_COLUMNS).assign(
        start=lambda d: pd.to_datetime(d["start"]), end=lambda d: pd.to_datetime(d["end"]))
    assert A.summary(flags_, 366) == "366 jours-canaux signalés sur 366 (valeur figée 366, lacune 2)"


def test_details_say_0_and_1_in_the_singular():
    """t12i finding 8: « 0 passage pendant 1 jours », « 0 heures »: French has 0 and 1 singular."""
    t = A.Thresholds(zero_days=1, gap_hours=1)
    got = A.day_flags(series([100] * 30 + [0] + [100] * 5, missing={33: 1}), t)
    assert list(zip(got["rule"], got["detail"])) == [
        ("zero", "0 passage pendant 1 jour ; niveau habituel 100 passages par jour"),
        ("gap", "1 heure non mesurée")]
    assert [A.count_text(v, "passage") for v in (0, 1, 1.4, 1.6, 2, 1236)] == [
        "0 passage", "1 passage", "1 passage", "2 passages", "2 passages", "1\u202f236 passages"]
    runs = pd.DataFrame({"channel_id": ["c1"], "run_start": [pd.Timestamp("2024-06-02 10:00")],
                         "run_end": [pd.Timestamp("2024-06-02 17:00")], "run_stop": [pd.Timestamp("2024-06-02 18:00")],
                         "measures": [8], "value": [1]})
    flat = A.flat_flags(runs, A.Thresholds(flat_min_value=1), near=A.event_days(None, CHANNELS, A.Thresholds()))
    assert flat["detail"].tolist() == ["1 passage à chaque mesure pendant 8 mesures, le 2 juin 2024 de 10 h à 18 h"]


def test_the_missing_hours_card_and_the_rules_say_0_and_1_in_the_singular():
    from ecotransition.themes import parks

    def card(missing):
        cy = pd.DataFrame({"site_id": ["s"], "site_name": ["S"], "channel_id": ["c1"], "mobility_type": ["BIKE"],
                           "year": [2024], "visits": [100.0], "missing_hours": [float(missing)], "hours": [8784.0],
                           "months": [12], "is_demo": [False], "source": ["Import m.csv"]})
        return next(k for k in parks.kpis(cy, 2024, pd.DataFrame(), pd.DataFrame({"source": []}), "Parc")
                    if k.label == "Heures manquantes").help.replace("\u202f", " ")
    assert card(0) == "0 heure sans mesure sur 8 784."
    assert card(1) == "1 heure sans mesure sur 8 784 : elle n'est pas comptée comme un zéro."
    assert card(3) == "3 heures sans mesure sur 8 784 : elles ne sont pas comptées comme des zéros."
    text = parks.rules_text(A.Thresholds(zero_days=1, gap_hours=1))
    assert "zéros prolongés = au moins 1 jour mesuré à 0 passage" in text
    assert "lacune = au moins 1 heure non mesurée dans la journée" in text
    assert "au moins 2 jours mesurés" in parks.rules_text(A.Thresholds())


def test_the_rules_text_shows_each_threshold_as_set():
    # t12j finding 7: JUMP_RATIO 1,5 read « plus de 2 fois », USUAL_MIN 0,5 « au moins 1 », DROP_RATIO 0,125 « 13 % ».
    from ecotransition.themes import parks

    text = parks.rules_text(A.Thresholds(jump_ratio=1.5, usual_min=0.5, drop_ratio=0.125, closure_radius_m=1500))
    assert "plus de 1,5 fois le niveau" in text and "au moins 0,5 par jour" in text
    assert "sous 12,5\u00a0% du niveau" in text and "à moins de 1\u202f500 m du compteur" in text
    # nor padded (t12k finding 6: « 0,0000 », « 1,0000 fois », « (au moins 1000000) »)
    text = parks.rules_text(A.Thresholds(usual_min=0.00004, jump_ratio=1.00001, flat_min_value=1_000_000))
    assert "au moins 0,00004 par jour" in text and "plus de 1,00001 fois" in text and "(au moins 1\u202f000\u202f000)" in text

