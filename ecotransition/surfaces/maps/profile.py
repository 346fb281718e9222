"""A commune's profile on /carte: every indicator for the commune, its agglomeration and the Pôle
(with their coverage), its events and its projects.
"""

from __future__ import annotations

import pandas as pd

from ecotransition.core import fmt
from ecotransition.surfaces.maps.view import (
    INDICATORS, PROFILE_PMA, PROFILE_SHARE, _text, aggregate, period_columns, resolve_period, unit_suffix,
)


def _readings(values: pd.DataFrame, communes: pd.DataFrame, code: str, year: int | None):
    """(metric, period, commune, agglomeration, Pôle readings, commune's share or None) per indicator."""
    row = communes.loc[communes["code"] == code]
    if row.empty:
        return
    in_epci = communes.loc[communes["epci"] == row["epci"].iloc[0], "code"]
    for key, ind in INDICATORS.items():
        period = resolve_period(values, key, year)
        own = aggregate(values, communes, key, period, [code])
        agg = aggregate(values, communes, key, period, in_epci)
        pma = aggregate(values, communes, key, period, communes["code"])
        share = None
        if not ind.ratio and not fmt.is_missing(own.value) and not fmt.is_missing(agg.value) and agg.value:
            share = own.value / agg.value
        yield ind, period, own, agg, pma, share


def _common(period, own, agg, pma) -> dict:
    cover = [f"{name} : {r.coverage}" for name, r in (("agglomération", agg), ("Pôle", pma)) if r.coverage]
    return {
        "Couverture": " · ".join(cover) or "toutes les communes",
        "Source": own.source or agg.source or fmt.MISSING,
        "Démonstration": "oui" if (own.demo or agg.demo or pma.demo) else "non",
    }


def commune_profile(values: pd.DataFrame, communes: pd.DataFrame, code: str,
                    year: int | None) -> pd.DataFrame:
    """Every indicator for the commune, its agglomeration and the PMA, as French text (on screen)."""
    return pd.DataFrame([{
        "Indicateur": ind.short + unit_suffix(ind, ind.short),
        "Commune": own.text,
        "Agglomération": agg.text,
        PROFILE_PMA: pma.text,
        PROFILE_SHARE: "" if ind.ratio else fmt.percent(share),
        "Période": period.label,
        **_common(period, own, agg, pma),
    } for ind, period, own, agg, pma, share in _readings(values, communes, code, year)])


def commune_profile_values(values: pd.DataFrame, communes: pd.DataFrame, code: str,
                           year: int | None) -> pd.DataFrame:
    """The same profile as numbers, for export: one row per indicator, values in the row's
    `Unité` (a share in percent: 13.0 for 13,0 %), empty when not known (never 0).

    `Année` is the figure's year, empty when it is not one year's figure; `Période` then says
    what it is ("millésime de la source", "2019–2024 (cumul)"). Dates never hide in text
    labels, so each column keeps one type in every spreadsheet.
    """
    table = pd.DataFrame([{
        "Indicateur": ind.short,
        "Unité": ind.unit,
        "Commune": ind.plain(own.value),
        "Agglomération": ind.plain(agg.value),
        PROFILE_PMA: ind.plain(pma.value),
        f"{PROFILE_SHARE} (%)": None if share is None else round(share * 100, 1),
        **period_columns(period),
        **_common(period, own, agg, pma),
    } for ind, period, own, agg, pma, share in _readings(values, communes, code, year)])
    return table.astype({"Année": "Int64"}) if not table.empty else table


def commune_events(events: pd.DataFrame, code: str) -> pd.DataFrame:
    rows = events.loc[events["commune_code"] == code]
    return pd.DataFrame({
        "Date": [fmt.day(d) for d in rows["start_date"]],
        "Événement": [_text(v) for v in rows["title"]],
        "Lieu": [_text(v) for v in rows["place"]],
        "Thème": [_text(v) for v in rows["theme"]],
        "Participants": [fmt.number(p) for p in rows["participants"]],
        "Source": [_text(v) for v in rows["source"]],
    })


def commune_investments(investments: pd.DataFrame, code: str) -> pd.DataFrame:
    rows = investments.loc[investments["commune_code"] == code]
    return pd.DataFrame({
        "Projet": [_text(v) for v in rows["name"]],
        "Entreprise": [_text(v) for v in rows["company"]],
        "Secteur": [_text(v) for v in rows["sector"]],
        "Montant": [fmt.euros(a) for a in rows["amount_eur"]],
        "Emplois": [fmt.number(j) for j in rows["jobs"]],
        "Année d'annonce": [fmt.MISSING if fmt.is_missing(y) else str(int(y))
                            for y in rows["announced_year"]],
        "Statut": [_text(v) for v in rows["status"]],
        "Source": [_text(v) for v in rows["source"]],
    })
