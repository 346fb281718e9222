"""Trajectories toward targets: where an indicator should be, on a straight path from its reference
to its target, and whether it is ahead, on the path or behind.

An indicator row (indicators table) carries its target (`target`, `target_year`) and reference
(`reference`, `reference_year`), at the level of its `zone` (PMA, an agglomeration, a commune).
The rule is stated wherever a status is shown (RULE).
"""

from __future__ import annotations

from dataclasses import dataclass

from ecotransition.core import fmt
from ecotransition.core.labels import DEMO_SOURCE

TOLERANCE = 0.05   # "on the path" within ± 5 % of the path's whole change (reference → target)
RULE = ("Trajectoire linéaire de la valeur de référence à l'objectif ; « sur la trajectoire » à ± "
        f"{fmt.number(TOLERANCE * 100)} % de l'écart entre la référence et l'objectif.")
AHEAD, ON, BEHIND = "en avance", "sur la trajectoire", "en retard"


@dataclass(frozen=True)
class Status:
    state: str          # AHEAD, ON or BEHIND
    year: int
    actual: float
    expected: float     # on the path, that year
    gap: float          # how far in the good direction (positive = better), in the indicator's unit


@dataclass(frozen=True)
class Trajectory:
    reference_year: int
    reference: float
    target_year: int
    target: float
    direction: str = "up"        # "down": lower is better
    demo: bool = False           # a demonstration target, never presented as adopted

    @property
    def period(self) -> str:
        return f"{self.reference_year}–{self.target_year}"

    def expected(self, year: float) -> float:
        """The path's value in `year` (straight line; the target itself after the target year)."""
        if year >= self.target_year:
            return self.target
        share = (year - self.reference_year) / (self.target_year - self.reference_year)
        return self.reference + (self.target - self.reference) * share

    def status(self, year: int, actual: float) -> Status:
        expected = self.expected(year)
        sign = -1 if self.direction == "down" else 1
        gap = (actual - expected) * sign
        band = TOLERANCE * abs(self.target - self.reference)
        state = ON if abs(gap) <= band else (AHEAD if gap > 0 else BEHIND)
        return Status(state, int(year), float(actual), expected, gap)

    def status_text(self, status: Status, unit: str | None) -> str:
        """'en retard de 320 emplois sur la trajectoire 2020–2025 en 2024', 'sur la trajectoire 2020–2025 en 2024'."""
        path = f"la trajectoire {self.period}" + (" (démonstration)" if self.demo else "")
        if status.state == ON:
            return f"sur {path} en {status.year}"
        return f"{status.state} de {fmt.with_unit(abs(status.gap), unit)} sur {path} en {status.year}"


def from_row(row) -> Trajectory | None:
    """The trajectory of an indicator row (mapping) with a target, a target year, a reference and
    its year, or None when one is missing (a target alone gives no path)."""
    get = row.get
    needed = ("target", "target_year", "reference", "reference_year")
    if any(fmt.is_missing(get(k)) for k in needed) or int(get("reference_year")) >= int(get("target_year")):
        return None
    direction = get("direction")
    return Trajectory(int(get("reference_year")), float(get("reference")), int(get("target_year")),
                      float(get("target")), "down" if direction == "down" else "up",
                      demo=DEMO_SOURCE in str(get("source") or ""))


def latest_status(series, traj: Trajectory) -> Status | None:
    """The status at the series' latest known value (`series`: rows with year and value)."""
    known = [(int(r["year"]), float(r["value"])) for _, r in series.iterrows() if not fmt.is_missing(r["value"])]
    if not known:
        return None
    year, value = max(known)
    return traj.status(year, value)
