"""The sidebar's selection (agglomeration, commune, year) and the one way every figure applies it.

`communes` below is a communes_list frame (code, name, epci): the selection's communes are
derived from it in one place, so the overview, the thematic pages, the map and the exports
all sum over the same communes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import fmt
from .labels import PMA_LABEL, PMA_SHORT


@dataclass(frozen=True)
class Selection:
    """The sidebar filters: agglomeration short name, INSEE code (with its name), year."""

    epci: str | None = None
    commune: str | None = None
    commune_name: str | None = None
    annee: int | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.epci or self.commune)

    @property
    def label(self) -> str:
        """The area in French: 'Lens (62498)', 'CAHC' or the whole PMA."""
        if self.commune:
            return f"{self.commune_name or self.commune} ({self.commune})"
        return self.epci or PMA_LABEL

    @property
    def area_phrase(self) -> str:
        """The area inside a sentence: 'de la commune de Lens', "de l'agglomération CAHC"."""
        if self.commune:
            return f"de la commune de {self.commune_name or self.commune}"
        if self.epci:
            return f"de l'agglomération {self.epci}"
        return "du Pôle métropolitain"

    def codes(self, communes: pd.DataFrame) -> list[str]:
        """INSEE codes of the selected area (the commune wins over the agglomeration)."""
        if self.commune:
            return [c for c in communes["code"] if c == self.commune]
        if self.epci:
            return list(communes.loc[communes["epci"] == self.epci, "code"])
        return list(communes["code"])


def selection(filters: dict, communes: pd.DataFrame) -> Selection:
    """The Selection of the sidebar filters; `communes` (communes_list) gives the commune's name."""
    code = filters.get("commune")
    name = None
    if code and len(communes):
        match = communes.loc[communes["code"] == code, "name"]
        name = match.iloc[0] if len(match) else None
    annee = filters.get("annee")
    return Selection(epci=filters.get("epci"), commune=code, commune_name=name,
                     annee=None if annee is None or fmt.is_missing(annee) else int(annee))


@dataclass(frozen=True)
class Zone:
    name: str
    kind: str               # "commune", "epci" or "pma"
    codes: tuple[str, ...]


def zones(communes: pd.DataFrame, sel: Selection) -> list[Zone]:
    """The areas to compare: the commune and its agglomeration, or the agglomeration, or the
    three agglomerations when nothing is selected; the whole PMA always comes last."""
    out = []
    epci = sel.epci
    if sel.commune:
        row = communes[communes["code"] == sel.commune]
        name = row["name"].iloc[0] if len(row) else sel.commune
        out.append(Zone(f"{name} ({sel.commune})", "commune", (sel.commune,)))
        epci = row["epci"].iloc[0] if len(row) else epci
        if epci:
            out.append(Zone(str(epci), "epci", tuple(communes.loc[communes["epci"] == epci, "code"])))
    elif epci:
        out.append(Zone(epci, "epci", tuple(communes.loc[communes["epci"] == epci, "code"])))
    else:
        for e in sorted(communes["epci"].dropna().unique()):
            out.append(Zone(str(e), "epci", tuple(communes.loc[communes["epci"] == e, "code"])))
    out.append(Zone(PMA_SHORT, "pma", tuple(communes["code"])))
    return out
