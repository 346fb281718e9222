"""The few words every surface shares, defined once: the Pôle's names, the sources, the
demonstration mark. Change them here, and the cards, map, screen and exports follow."""

from __future__ import annotations

DEMO_SOURCE = "démonstration"            # `source` of every generated row
REPORT_SOURCE = "Rapport d'activité 2023 PMA"

PMA_LABEL = "Pôle métropolitain de l'Artois"   # the whole territory, in titles and sentences
PMA_SHORT = "PMA"                               # the same in tight places (table columns, legends)

# The mark that follows a figure computed (in part) from generated rows.
DEMO_MARK = "données de démonstration"
DEMO_BADGE = "⚠ " + DEMO_MARK
DEMO_TITLE = "Données de démonstration"   # at the start of a line (chart annotations, slide badges)


def plural(n: int, one: str, many: str | None = None) -> str:
    """The French word for `n` things: singular for 0 and 1 (« 0 ligne », « 1 ligne »), plural
    from 2 (« 2 lignes »); `many` when the plural is not `one` + « s » (« aucun », « travaux »)."""
    return one if abs(n) < 2 else (many if many is not None else one + "s")


def count(n: int, one: str, many: str | None = None) -> str:
    """« 1 ligne », « 2 lignes », « 0 ligne » (plural)."""
    return f"{n} {plural(n, one, many)}"
