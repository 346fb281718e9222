"""Headline figures as cards: value, year, source, change and progress, demo flag."""

from __future__ import annotations

from dataclasses import dataclass

from ecotransition.core import fmt, trajectory
from ecotransition.core.labels import DEMO_BADGE, DEMO_SOURCE
from ecotransition.core.metrics import Reading, delta_text


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str                      # already formatted in French
    year: int | str | None
    source: str
    demo: bool = False
    delta: str | None = None        # e.g. "+12,4 % par rapport à 2023"
    good_direction: str | None = None  # "up", "down" or None (neutral)
    target: str | None = None       # e.g. "objectif 4 000 emplois en 2025"
    progress: float | None = None   # share of the target reached, 0..1
    help: str | None = None
    coverage: str | None = None     # "149 communes sur 150 ; hors Lens : potentiel non renseigné"
    # The registry datasets behind the figure (Metric.datasets, « indicators »): the panel says
    # how fresh or late they are (pages._ui.freshness_notes(*datasets_of(cards))).
    datasets: tuple[str, ...] = ()

    @property
    def delta_color(self) -> str:
        """st.metric's colouring: green when the change goes the right way."""
        return {"up": "normal", "down": "inverse"}.get(self.good_direction or "", "off")

    @property
    def caption(self) -> str:
        # No source: nothing shown to attribute (a counter card without any row), no claim.
        parts = [str(self.year) if self.year is not None else "année n.d."] + (
            [f"Source : {self.source}"] if self.source else [])
        if self.coverage:
            parts.append(self.coverage)
        if self.target:
            parts.append(self.target)
        if self.demo:
            parts.append(DEMO_BADGE)
        return " · ".join(parts)


def from_indicator(row) -> Kpi:
    """A card from an indicators_latest row (mapping or namedtuple)."""
    get = row.get if hasattr(row, "get") else lambda k, d=None: getattr(row, k, d)
    value, unit = get("value"), get("unit")
    previous, previous_year = get("previous_value"), get("previous_year")
    delta = None
    ch = fmt.change(value, previous)
    if ch is not None:
        delta = f"{fmt.signed_percent(ch)} par rapport à {int(previous_year)}"
    target, progress = None, None
    if not fmt.is_missing(get("target")):
        ty = get("target_year")
        kind = "objectif de démonstration" if get("source") == DEMO_SOURCE else "objectif"
        target = f"{kind} {fmt.with_unit(get('target'), unit)}" + (
            f" en {int(ty)}" if not fmt.is_missing(ty) else "")
        if get("target") and not fmt.is_missing(value):
            progress = max(0.0, min(1.0, float(value) / float(get("target"))))
        traj = trajectory.from_row({k: get(k) for k in (
            "target", "target_year", "reference", "reference_year", "direction", "source")})
        if traj is not None and not fmt.is_missing(value) and not fmt.is_missing(get("year")):
            target += " · " + traj.status_text(traj.status(int(get("year")), float(value)), unit)
    return Kpi(
        label=get("label"),
        value=fmt.with_unit(value, unit),
        year=None if fmt.is_missing(get("year")) else int(get("year")),
        source=get("source"),
        demo=get("source") == DEMO_SOURCE,
        delta=delta,
        good_direction=get("direction") if not fmt.is_missing(get("direction")) else None,
        target=target,
        progress=progress,
        help=get("note") if not fmt.is_missing(get("note")) else None,
        datasets=("indicators",),
    )


def from_reading(cur: Reading, prev: Reading | None = None, label: str | None = None,
                 help: str | None = None) -> Kpi:
    """A card from the metric layer: its value, year, source, demonstration flag, coverage,
    and the change against `prev` (the year before) when both cover the same communes."""
    m = cur.metric
    return Kpi(
        label=label or m.label, value=cur.text, year=cur.year if m.yearly else "millésime de la source",
        source=cur.source or "n.d.", demo=cur.demo,
        delta=delta_text(cur, prev) if prev is not None else None, good_direction=m.good_direction,
        help=help or m.definition, coverage=cur.coverage, datasets=m.datasets,
    )


def datasets_of(cards) -> tuple[str, ...]:
    """The datasets behind `cards` (Kpi.datasets), each once, in the cards' order."""
    return tuple(dict.fromkeys(d for k in cards for d in k.datasets))
