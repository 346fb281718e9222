"""French formats: babel's narrow no-break space (U+202F) groups thousands, U+00A0 precedes units."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from ecotransition.core import fmt
from ecotransition.core.kpi import Kpi, from_indicator

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize("value, expected", [
    (650_000, f"650{NNBSP}000"),
    (644_664, f"644{NNBSP}664"),
    (np.int64(150), "150"),
    (0, "0"),
    (-1234, f"-1{NNBSP}234"),
    (2.5, "3"),          # half up, not babel's default half-even ("2")
    (None, "n.d."),
    (float("nan"), "n.d."),
    (pd.NA, "n.d."),
    (pd.NaT, "n.d."),
])
def test_number(value, expected):
    assert fmt.number(value) == expected


def test_number_decimals_use_a_comma():
    assert fmt.number(12.345, 1) == "12,3"
    assert fmt.number(12.35, 1) == "12,4"
    assert fmt.number(1234.5, 2) == f"1{NNBSP}234,50"


@pytest.mark.parametrize("value, expected", [
    (2_500_000_000, f"2,5{NBSP}Md€"),
    (2_450_000_000, f"2,5{NBSP}Md€"),   # half up
    (628_000_000, f"628{NBSP}M€"),
    (99_940_000, f"99,9{NBSP}M€"),
    (99_950_000, f"100{NBSP}M€"),       # not "100,0 M€"
    (999_999, f"1{NBSP}M€"),            # not "1 000 k€"
    (1_000_000, f"1{NBSP}M€"),
    (360_000, f"360{NBSP}k€"),
    (12_345, f"12,3{NBSP}k€"),
    (9_999, f"9{NNBSP}999{NBSP}€"),
    (950, f"950{NBSP}€"),
    (0, f"0{NBSP}€"),
    (-2_500_000_000, f"-2,5{NBSP}Md€"),
    (None, "n.d."),
])
def test_euros(value, expected):
    assert fmt.euros(value) == expected


def test_compact_without_unit():
    assert fmt.compact(1_566_221) == f"1,6{NBSP}M"
    assert fmt.compact(4_200) == f"4{NNBSP}200"
    assert fmt.compact(float("nan")) == "n.d."


@pytest.mark.parametrize("value, decimals, expected", [
    (0.124, 1, f"12,4{NBSP}%"),
    (0.0305, 2, f"3,05{NBSP}%"),
    (0.125, 0, f"13{NBSP}%"),
    (1.0, 0, f"100{NBSP}%"),
    (None, 1, "n.d."),
])
def test_percent(value, decimals, expected):
    assert fmt.percent(value, decimals) == expected


@pytest.mark.parametrize("value, expected", [
    (0.124, f"+12,4{NBSP}%"),
    (-0.03, f"-3,0{NBSP}%"),
    (-0.0004, f"0,0{NBSP}%"),   # rounds to zero: no sign
    (0.0, f"0,0{NBSP}%"),
    (None, "n.d."),
])
def test_signed_percent(value, expected):
    assert fmt.signed_percent(value) == expected


def test_a_fall_starts_with_the_ascii_minus_that_st_metric_reads():
    # st.metric picks the arrow and colour from delta.startswith("-"): U+2212 would show a rise.
    from streamlit.elements.metric import _is_negative_delta

    assert _is_negative_delta(fmt.signed_percent(-0.057) + " par rapport à 2023")
    assert not _is_negative_delta(fmt.signed_percent(0.238) + " par rapport à 2023")


@pytest.mark.parametrize("value, expected", [
    (date(2023, 6, 30), "30 juin 2023"),
    ("2023-09-26", "26 septembre 2023"),
    (pd.Timestamp("2023-07-01"), "1er juillet 2023"),
    (datetime(2023, 12, 15, 18, 30), "15 décembre 2023"),
    (None, "n.d."),
])
def test_day(value, expected):
    assert fmt.day(value) == expected


@pytest.mark.parametrize("value, unit, expected", [
    (4200, "ha", f"4{NNBSP}200{NBSP}ha"),
    (420, "km", f"420{NBSP}km"),
    (12.4, "%", f"12,4{NBSP}%"),       # not "12 %": decimals are kept
    (10, "%", f"10{NBSP}%"),
    (2_500_000_000, "€", f"2,5{NBSP}Md€"),
    (12.45, "km", f"12,5{NBSP}km"),
    (3000, "GWh", f"3{NNBSP}000{NBSP}GWh"),
    (4000, None, f"4{NNBSP}000"),
    (None, "ha", "n.d."),
])
def test_with_unit(value, unit, expected):
    assert fmt.with_unit(value, unit) == expected


def test_change():
    assert fmt.change(110, 100) == pytest.approx(0.1)
    assert fmt.change(90, 100) == pytest.approx(-0.1)
    assert fmt.change(5, 0) is None          # no base: no change, not infinity
    assert fmt.change(None, 100) is None
    assert fmt.change(100, float("nan")) is None


def test_indicator_card_with_target_and_previous_year():
    k = from_indicator({
        "id": "emplois_annonces", "year": 2023, "label": "Nouveaux emplois annoncés", "unit": "emplois",
        "value": 3000.0, "target": 4000.0, "target_year": 2025, "direction": "up", "note": None,
        "source": "Rapport d'activité 2023 PMA", "previous_value": 2000.0, "previous_year": 2022,
    })
    assert k.value == f"3{NNBSP}000{NBSP}emplois"
    assert k.delta == f"+50,0{NBSP}% par rapport à 2022"
    assert k.delta_color == "normal"
    assert k.target == f"objectif 4{NNBSP}000{NBSP}emplois en 2025"
    assert k.progress == pytest.approx(0.75)
    assert k.caption == f"2023 · Source : Rapport d'activité 2023 PMA · objectif 4{NNBSP}000{NBSP}emplois en 2025"
    assert not k.demo


def test_demo_card_says_so_in_its_caption():
    k = Kpi(label="Sites", value="12", year=2024, source="démonstration", demo=True)
    assert k.caption == "2024 · Source : démonstration · ⚠ données de démonstration"
    assert Kpi(label="x", value="n.d.", year=None, source="s").caption.startswith("année n.d.")
