"""A commune's profile on /carte: every indicator for the commune, its agglomeration and the Pôle
(with their coverage), its events and its projects.
"""

from __future__ import annotations

import pandas as pd

from ecotransition.core import fmt
from ecotransition.surfaces.maps.view import INDICATORS, PROFILE_PMA, _text, aggregate, resolve_period, unit_suffix


def commune_profile(values: pd.DataFrame, communes: pd.DataFrame, code: str,
                    year: int | None) -> pd.DataFrame:
    """Every indicator for the commune, its agglomeration and the PMA, formatted in French."""
    row = communes.loc[communes["code"] == code]
    if row.empty:
        return pd.DataFrame()
    epci = row["epci"].iloc[0]
    in_epci = communes.loc[communes["epci"] == epci, "code"]
    records = []
    for key, ind in INDICATORS.items():
        period = resolve_period(values, key, year)
        own = aggregate(values, communes, key, period, [code])
        agg = aggregate(values, communes, key, period, in_epci)
        pma = aggregate(values, communes, key, period, communes["code"])
        share = ""
        if not ind.ratio:
            share = fmt.percent(own.value / agg.value) if (
                not fmt.is_missing(own.value) and not fmt.is_missing(agg.value) and agg.value
            ) else fmt.MISSING
        cover = [f"{name} : {r.coverage}" for name, r in (("agglomération", agg), ("Pôle", pma)) if r.coverage]
        records.append({
            "Indicateur": ind.short + unit_suffix(ind, ind.short),
            "Commune": own.text,
            "Agglomération": agg.text,
            PROFILE_PMA: pma.text,
            "Part de la commune dans l'agglomération": share,
            "Période": period.label,
            "Couverture": " · ".join(cover) or "toutes les communes",
            "Source": own.source or agg.source or fmt.MISSING,
            "Démonstration": "oui" if (own.demo or agg.demo or pma.demo) else "non",
        })
    return pd.DataFrame(records)


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
