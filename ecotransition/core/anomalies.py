"""Anomaly flags of the counter channels: what staff check before an official quotes a total.

A channel is one direction and mode of a counter (counter_channels). Four rules, each on the
channel's own series, with thresholds in `Thresholds` (defaults documented in the README):

- **zéros prolongés** (`zero`): at least `zero_days` consecutive fully measured days with 0
  passages, while the channel's recent level is at least `usual_min` passages a day: a
  counter that usually counts does not see nobody for days (a stuck or covered sensor); a
  closure that begins within `season_days` of the channel's closure of the year before, for no
  longer than it plus `season_days`, is a season, not a fault (_seasonal_zero);
- **valeur figée** (`flat`): at least `flat_hours` consecutive measures with the same count of
  at least `flat_min_value` (queries/counter_flat_runs.sql finds the runs in the stored
  measures; counts of 1 to 3 repeat by chance at night, 6 hours at 4 never did in the demo);
- **baisse soudaine** (`drop`): at least `drop_days` consecutive measured days each below
  `drop_ratio` × the recent level; **hausse soudaine** (`jump`): a day above `jump_ratio` ×
  the level of the `level_days` days before it *and* of those after it (a spike, not a return
  to normal such as the end of the 2020 lockdown). The level before a day is the median of
  the channel's last `level_days` normal days (fully measured, with passages, not low): a
  fault's own days never lower it, so a fault stays flagged for as long as it lasts; a low
  stretch that begins within `season_days` of the channel's low stretch of the year before (a
  greenway's quiet winter) is a season, as for closures (_seasonal_low);
- **lacune** (`gap`): a day with at least `gap_hours` hours not measured (missing measures
  times the channel's time step, the measured one: 3 hours are 12 quarter-hour measures), or no row at all
  between the channel's first and last day. A day expects its real length (23 or 25 hours on
  the days the clocks change) over the time step; measures absent from it are missing.

An event of the events table that says a site was closed (its title or description holds one
of `closure_words`) covers the counters it is about: within `closure_radius_m` of it, or whose
site or park it names (event_days); a closure elsewhere in the commune covers nothing. Its days
are not flagged as zeros, drops or gaps; a jump on them is (a closed park counting five times its
level is the more suspect). An announced event about the counter explains a jump.
Which events are about which counter, and which announce a closure, is matched in SQL
(queries/counter_event_days.sql: a whole agenda in about a second; `is_closure` asks it about one
text, and the tests hold it to tables of texts with known answers). The rules are
plain pandas on small frames (one row per channel and day), so they are unit-tested on series
with known answers.
"""

from __future__ import annotations

import bisect
import math
import os
import re
import unicodedata
from collections import deque
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ecotransition.core import fmt
from ecotransition.core.escape import visible
from ecotransition.core.labels import plural

RULES = {
    "zero": "zéros prolongés",
    "flat": "valeur figée",
    "drop": "baisse soudaine",
    "jump": "hausse soudaine",
    "gap": "lacune",
}
FLAG_COLUMNS = ["channel_id", "rule", "start", "end", "days", "detail"]


@dataclass(frozen=True)
class Thresholds:
    """The rules' settings; each can be set by an environment variable ECOTRANSITION_FLAG_<NAME>."""
    usual_min: float = 20          # passages a day: below this recent level, zero days are not suspicious
    zero_days: int = 2             # consecutive days at 0
    flat_hours: int = 6            # consecutive measures with the same count...
    flat_min_value: int = 4        # ... of at least this many passages
    level_days: int = 28           # days of the recent level (median)
    drop_ratio: float = 0.3        # a day below this share of the recent level is low
    drop_days: int = 3             # consecutive low days
    jump_ratio: float = 4.0        # a day above this multiple of the recent level
    gap_hours: int = 3             # hours not measured in a day
    season_days: int = 14          # a closure beginning within this many days of last year's is seasonal
    closure_radius_m: float = 1000  # an event this close to a counter concerns it
    closure_words: tuple[str, ...] = ("fermé", "fermée", "fermés", "fermées", "fermeture", "fermetures")


# The values each threshold accepts: (lowest, highest, which ends are excluded — False, "low" or
# "both" —, whole number), and the
# range in French for the message. Outside it a rule is meaningless (0 days at zero flags every
# day; a negative ratio never flags) or breaks (a level of fewer than 3 days).
# Upper ends: a year of days or hours, a million passages, 100 km — beyond, a value is a typo and
# broke the rules or their text (a tester's 10**25 days: OverflowError on every counters page).
RANGES = {
    "usual_min": (0, 1_000_000, False, False, "un nombre de 0 à 1 000 000"),
    "zero_days": (1, 366, False, True, "un nombre entier de 1 à 366"),
    "flat_hours": (2, 8784, False, True, "un nombre entier de 2 à 8 784"),
    "flat_min_value": (1, 1_000_000, False, True, "un nombre entier de 1 à 1 000 000"),
    "level_days": (3, 366, False, True, "un nombre entier de 3 à 366"),
    "drop_ratio": (0, 1, "both", False, "un nombre strictement entre 0 et 1 (0,3 : 30 %)"),
    "drop_days": (1, 366, False, True, "un nombre entier de 1 à 366"),
    "jump_ratio": (1, 1000, "low", False, "un nombre strictement supérieur à 1, jusqu'à 1 000"),
    "gap_hours": (1, 24, False, True, "un nombre entier de 1 à 24"),
    "season_days": (0, 183, False, True, "un nombre entier de jours de 0 à 183"),
    "closure_radius_m": (0, 100_000, False, False, "un nombre de mètres de 0 à 100 000"),
}


# Digits, maybe grouped by thousands with a space (« 1 000 »), and a decimal comma or point.
PLAIN_NUMBER = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+)(?:[.,][0-9]+)?")
# « 1.000 » or « 2,500 »: a thousands separator or three decimals? Refused, as the imports refuse
# it (t12k finding 2: « 1.000 » was read as 1 and flagged runs of a single passage).
AMBIGUOUS_NUMBER = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")


def _check(name: str, raw: str):
    """The value of setting `name` from its text, or None when it is outside RANGES."""
    lo, hi, strict, whole, _ = RANGES[name]
    text = str(raw).strip()
    # Only what staff write as a number: float() also takes « 1e15 », « 1_000 » and other
    # scripts' digits (« ٦ »), which no one means as a threshold (a tester's t12i item).
    if not PLAIN_NUMBER.fullmatch(text) or AMBIGUOUS_NUMBER.fullmatch(text):
        return None
    value = float(re.sub(r"[ \u00a0\u202f]", "", text).replace(",", "."))
    if not math.isfinite(value) or (whole and not value.is_integer()):
        return None
    if value < lo or (strict and value == lo) or (hi is not None and (value > hi or (strict == "both" and value == hi))):
        return None
    return int(value) if whole else value


def read_thresholds(env=None) -> tuple[Thresholds, list[str]]:
    """The thresholds, each default replaced by ECOTRANSITION_FLAG_<NAME> when set (closure
    words: comma-separated), and a French warning for each setting refused: a value that is not a
    number or is outside its range (RANGES) is not used, its documented default is, and the
    warning names the setting, its value, what is allowed and the default used."""
    env = os.environ if env is None else env
    values, problems = {}, []
    for f in fields(Thresholds):
        var = f"ECOTRANSITION_FLAG_{f.name.upper()}"
        raw = env.get(var)
        if raw is None or not str(raw).strip():
            continue
        if f.name == "closure_words":
            words = tuple(w.strip().casefold() for w in raw.split(",") if w.strip())
            if words:
                values[f.name] = words
            continue
        value = _check(f.name, raw)
        if value is None:
            problems.append(f"{var} = « {visible(str(raw).strip())} » est refusé : il faut {RANGES[f.name][4]}, écrit en "
                            "chiffres (3 ; 0,5 ; 1 000 ; pas « 1.000 », millier ou décimales ?). "
                            f"La valeur par défaut ({fmt.number(f.default, 0 if float(f.default).is_integer() else 1)}) "
                            "est utilisée.")
            continue
        values[f.name] = value
    return Thresholds(**values), problems


def thresholds(env=None) -> Thresholds:
    """The thresholds of read_thresholds, without its warnings."""
    return read_thresholds(env)[0]


# ------------------------------------------------------------------ inputs

def calendar(daily: pd.DataFrame) -> pd.DataFrame:
    """`daily` (one row per channel and day: channel_id, day, visits, measures, missing_measures,
    optionally step = the time step in seconds, 3600 when absent, and end_date = the channel's
    declared last day, NaT while it counts; visits NaN when every measure of the day is missing)
    with a row for every day from each channel's first day to the last day any channel of `daily`
    counted, or its end_date when earlier: the days with no row at all are missing days (every
    measure of the day's real length missing: 23, 24 or 25 hours over the step). A channel that stops sending while the others go on is thus missing from
    its last row on, not silently shorter. The rule of queries/counter_calendar.sql, whose rows
    counter_days already holds (then nothing is added); kept for frames built by hand."""
    if daily.empty:
        return daily.assign(day=pd.to_datetime(daily["day"]))
    d = daily.assign(day=pd.to_datetime(daily["day"]))
    spans = d.groupby("channel_id", sort=True)["day"].agg(["min", "max"])
    last = pd.Series(d["day"].max(), index=spans.index)
    if "end_date" in d:
        # A channel declared ended is expected up to its end only; its own rows are all kept.
        end = pd.to_datetime(d.groupby("channel_id", sort=True)["end_date"].first())
        last = last.where(end.isna() | (end >= last), np.maximum(end, spans["max"]))
    full = pd.concat([pd.DataFrame({"channel_id": ch, "day": pd.date_range(lo, last[ch], freq="D")})
                      for ch, lo in spans["min"].items()], ignore_index=True)
    out = full.merge(d, on=["channel_id", "day"], how="left")
    if "step" in d:
        out["step"] = out["channel_id"].map(d.groupby("channel_id")["step"].first())
    absent = out["measures"].isna()
    if absent.any():
        expected = (day_seconds(out.loc[absent, "day"]) // _step(out.loc[absent])).astype(float)
        out["measures"] = out["measures"].astype(float)
        out["missing_measures"] = out["missing_measures"].astype(float)
        out.loc[absent, "measures"] = expected
        out.loc[absent, "missing_measures"] = expected
    return out


def _step(frame: pd.DataFrame) -> pd.Series:
    """The time step in seconds of each row (3600 when not given)."""
    if "step" not in frame:
        return pd.Series(3600, index=frame.index)
    return pd.to_numeric(frame["step"], errors="coerce").fillna(3600).astype(int)


def day_seconds(days: pd.Series) -> pd.Series:
    """Length in seconds of each local (Europe/Paris) day: 82 800 on the last Sunday of March,
    90 000 on the last Sunday of October, 86 400 otherwise (macros.sql's paris_day_seconds)."""
    d = pd.to_datetime(days)
    start = d.dt.tz_localize("Europe/Paris")
    end = (d + pd.Timedelta(days=1)).dt.tz_localize("Europe/Paris")
    return ((end - start).dt.total_seconds()).astype(int)


def measures_hours(n: pd.Series, step: pd.Series, days: pd.Series) -> pd.Series:
    """The hours `n` measures of `step` seconds cover on each local day: a measure covers its step,
    a daily one (a step of 23 hours or more) its local day (a daily channel's missing 30 March 2025
    is 23 hours, 26 October 25). macros.sql's measures_hours, the rule of every visit query."""
    covered = step.astype(float)
    daily = step >= 82800   # the day's length only where it is used
    if daily.any():
        covered[daily] = day_seconds(days[daily]).to_numpy()
    return n * covered / 3600


def _runs(flag: pd.Series, keys: pd.Series) -> pd.Series:
    """Length of the run of equal values each row belongs to, within each key."""
    start = (flag != flag.shift()) | (keys != keys.shift())
    run = start.cumsum()
    return run.map(run.value_counts())


def _level(cal: pd.DataFrame, t: Thresholds, after: bool = False) -> pd.Series:
    """The usual level of each day, passages a day (NaN until the channel has
    max(3, level_days // 4) usable days).

    Before the day: the median of the channel's last `level_days` *normal* days before it —
    fully measured, with passages, and not low (below `drop_ratio` × the level of their own
    day). A fault's days never enter the level (a counter covered for a season at 10 % or
    stuck at 0 stays flagged for as long as it lasts, t12g finding 2), and days not measured
    or at 0 do not empty it: the last known level holds. The cost: a lasting fall of a series
    below `drop_ratio` (a counter moved, a mode changed) stays flagged until staff look at it.

    `after`: the median of the fully measured days with passages among the `level_days` days
    after it (only the jump rule reads it: a spike, not a return to normal)."""
    usable = cal["visits"].where((cal["missing_measures"] == 0) & (cal["visits"] > 0))
    min_periods = max(3, t.level_days // 4)
    if after:
        window = dict(window=t.level_days, min_periods=min_periods)
        return usable.groupby(cal["channel_id"]).transform(
            lambda s: s[::-1].shift(1).rolling(**window).median()[::-1])
    # A loop: whether a day is normal depends on the level its own earlier days made. A sorted
    # window of `level_days` values keeps each step to a bisect (about a second per million
    # channel-days).
    out = np.full(len(cal), np.nan)
    values = usable.to_numpy(dtype=float)
    for rows in cal.groupby("channel_id", sort=False).indices.values():
        recent: deque = deque()
        ordered: list = []
        for i in rows:
            n = len(ordered)
            level = ((ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2)
                     if n >= min_periods else math.nan)
            out[i] = level
            v = values[i]
            if v == v and not (level == level and v < t.drop_ratio * level):
                recent.append(v)
                bisect.insort(ordered, v)
                if len(recent) > t.level_days:
                    del ordered[bisect.bisect_left(ordered, recent.popleft())]
    return pd.Series(out, index=cal.index)


# ------------------------------------------------------------------ closures

def fold(text: str) -> str:
    """Lower case without accents ('FERMÉE' -> 'fermee'): how closure words are compared."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


# The combining diacritical blocks: one regex pass instead of a test per character (an agenda of
# 100 000 events is folded in a fraction of the time).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


# Unaccented « ferme(s) » is also the noun, a farm (« visite de ferme », « les fermes du parc »,
# « ferme pédagogique »): after one of these words, or before one of _NOUN_AFTER, it is the noun,
# not « fermé(s) ». « fermee(s) », « fermeture(s) », an accented « fermé(s) » and « FERME » in
# capitals within a text that is not all capitals (a status: « Parc FERME ») are closures.
_NOUN_BEFORE = frozenset((
    "la", "une", "les", "des", "cette", "ces", "sa", "ses", "notre", "nos", "votre", "vos", "leur", "leurs",
    "petite", "petites", "grande", "grandes", "vieille", "belle", "de", "d", "en", "aux", "nouvelle"))
_NOUN_AFTER = frozenset((
    "pedagogique", "pedagogiques", "ouverte", "ouvertes", "urbaine", "urbaines", "equestre", "equestres",
    "bio", "biologique", "biologiques", "familiale", "familiales", "auberge", "agricole", "agricoles",
    "aventure", "modele"))
# At the start of a text (« Ferme du parc ouverte tout l'été ») these make it the noun too.
_NOUN_AFTER_FIRST = frozenset(("du", "de", "des", "d", "a", "au", "aux", "et"))
_AMBIGUOUS = frozenset(("ferme", "fermes"))
# A closure word with one of these among the two words before it is denied, not announced: « Parc
# non fermé », « Ne sera pas fermé », « n'est plus fermé », « pas encore fermé », « sans fermeture »,
# « aucune fermeture » (t12h finding 8). « Réouverture » is no negation: « Fermeture pour travaux,
# réouverture le 15 mars » announces a closure until then. Nor is a closure of something else
# told apart (« Parc ouvert, parking fermé »): the words cannot say which place is closed.
_NEGATIONS = frozenset(("non", "pas", "plus", "jamais", "sans", "aucune", "aucun", "ni"))
# Between the negation and the word, two of these still deny it: « pas du tout fermé », « jamais été
# complètement fermé », « pas encore totalement fermé ». Only these: « pas de fête, parc fermé » announces.
_NEGATION_FILLERS = frozenset(("du", "tout", "encore", "ete", "vraiment", "totalement", "completement",
                               "entierement", "definitivement", "forcement", "toujours", "reellement"))


def is_closure(title, description, t: Thresholds) -> bool:
    """Whether an event's title or description says the site was closed: one of `closure_words`
    as a whole word, whatever its case and accents (« FERME », « fermee », « Fermetures »), not
    inside another word (« fermentation », « refermer », « fermier »), nor the noun « ferme(s) »,
    a farm (« la ferme du parc », « visite de ferme », « fermes ouvertes », « ferme pédagogique »),
    nor a word denied by one of the two before it (« non fermé », « ne sera pas fermé »: _NEGATIONS),
    or by the third before it when the two between are _NEGATION_FILLERS (« pas du tout fermé »).

    Asked of queries/counter_event_days.sql, the rule the pages run on the whole agenda (one
    definition): the event is placed on a counter of its own, on one day."""
    day = pd.Timestamp("2000-01-01")
    event = pd.DataFrame({"title": [title], "description": [description], "start_date": [day], "end_date": [day],
                          "commune_code": [None], "lat": [0.0], "lon": [0.0]})
    here = pd.DataFrame({"channel_id": ["ici"], "commune_code": [None], "lat": [0.0], "lon": [0.0],
                         "site_name": [None], "park": [None]})
    days = event_days(event, here, t)
    return bool(len(days)) and bool(days["closed"].iloc[0])


def closure_params(t: Thresholds) -> dict:
    """The parameters of queries/counter_event_days.sql for these thresholds: the radius, the
    closure words folded (fold), « ferme(s) » apart (closure or farm: `ambiguous`), and the words
    around the noun (defined once, here)."""
    folded = sorted({fold(w).strip() for w in t.closure_words if w.strip()})
    return dict(radius_m=float(t.closure_radius_m),
                closure_words=tuple(w for w in folded if w not in _AMBIGUOUS),
                ambiguous=tuple(w for w in folded if w in _AMBIGUOUS),
                noun_before=tuple(sorted(_NOUN_BEFORE)), noun_after=tuple(sorted(_NOUN_AFTER)),
                noun_after_first=tuple(sorted(_NOUN_AFTER_FIRST)), negations=tuple(sorted(_NEGATIONS)),
                negation_fillers=tuple(sorted(_NEGATION_FILLERS)))


EVENT_COLUMNS = ("title", "description", "place", "commune_code")
PLACE_COLUMNS = ("channel_id", "commune_code", "site_name", "park")


def event_days(events: pd.DataFrame, channels: pd.DataFrame, t: Thresholds) -> pd.DataFrame:
    """(channel_id, day, closed, events, closures) for every day of an event about a channel's counter:
    positioned within `closure_radius_m` of it, or naming its site or park (`site_name` with and
    without « – compteur N », `park`) in its title, place or description, in the counter's
    commune or with no commune; an event elsewhere in the commune (« Piscine municipale fermée
    pour vidange ») is about another place. `closed`: an event of the day says the site was closed
    (is_closure's rules); `events`: the positions in `events` of that day's events about it;
    `closures`: those of them that say it (positions).
    Matched in SQL (queries/counter_event_days.sql, the query the pages run on the database's
    events) on these frames: `events` (title, start_date, end_date, commune_code, lat, lon; place,
    description, position_derived optional: a derived position (the commune's centroid) is none), `channels` (channel_id, commune_code, lat, lon, site_name, park:
    visits_channel_years or counter_places rows)."""
    empty = pd.DataFrame(columns=["channel_id", "day", "closed", "events", "closures"])
    if events is None or events.empty or channels is None or channels.empty:
        return empty
    from ecotransition.data import sql   # the one place that runs named queries

    def text(frame, col):
        return (frame[col] if col in frame else pd.Series([None] * len(frame), index=frame.index)).astype("string")

    ev = pd.DataFrame({"id": np.arange(len(events)), **{c: text(events, c) for c in EVENT_COLUMNS},
                       "lat": pd.to_numeric(events["lat"], errors="coerce").astype(float).to_numpy(),
                       "lon": pd.to_numeric(events["lon"], errors="coerce").astype(float).to_numpy(),
                       "start_date": pd.to_datetime(events["start_date"]).to_numpy(),
                       "end_date": pd.to_datetime(events["end_date"]).to_numpy(),
                       "position_derived": (events["position_derived"].fillna(False).astype(bool).to_numpy()
                                            if "position_derived" in events else np.zeros(len(events), bool))})
    ch = channels.drop_duplicates("channel_id")
    places = pd.DataFrame({**{c: text(ch, c) for c in PLACE_COLUMNS},
                           "lat": pd.to_numeric(ch["lat"], errors="coerce").astype(float),
                           "lon": pd.to_numeric(ch["lon"], errors="coerce").astype(float)})
    out = sql.run_on_frames("counter_event_days", {"events": ev, "counter_places": places},
                            epci=None, commune=None, **closure_params(t))
    return out if len(out) else empty


def events_about(events: pd.DataFrame, channels: pd.DataFrame, t: Thresholds,
                 closures: set[int] | None = None) -> list[list[int]]:
    """For each event (in order), the positions in `channels.drop_duplicates("channel_id")` of
    the counters it is about (event_days' rule, in SQL). `closures`, when given, receives the
    positions in `events` of those that say one of these counters was closed."""
    n = 0 if events is None else len(events)
    about: list[set[int]] = [set() for _ in range(n)]
    if n and channels is not None and len(channels):
        pos = {c: i for i, c in enumerate(channels.drop_duplicates("channel_id")["channel_id"])}
        days = event_days(events.reset_index(drop=True), channels, t)
        for channel, ids, closing in zip(days["channel_id"], days["events"], days["closures"]):
            for k in ids:
                about[int(k)].add(pos[channel])
            if closures is not None:
                closures.update(int(k) for k in closing)
    return [sorted(a) for a in about]


# ------------------------------------------------------------------ rules

def _to_runs(cal: pd.DataFrame, mask: pd.Series, rule: str, detail) -> pd.DataFrame:
    """Consecutive flagged days of a channel as one flag row (start, end, days, detail).
    `detail(run)`: the French detail of a run (level, mean, max, missing: its days' figures)."""
    sel = cal.loc[mask.fillna(False).astype(bool)]
    if sel.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    brk = (sel["day"].diff() != pd.Timedelta(days=1)) | (sel["channel_id"] != sel["channel_id"].shift())
    runs = sel.groupby(brk.cumsum().to_numpy(), sort=False).agg(
        channel_id=("channel_id", "first"), start=("day", "first"), end=("day", "last"), days=("day", "size"),
        level=("level", "first"), mean=("visits", "mean"), max=("visits", "max"),
        missing=("missing_hours", "sum") if "missing_hours" in cal else ("missing_measures", "sum"))
    return pd.DataFrame({
        "channel_id": runs["channel_id"].to_numpy(), "rule": rule,
        "start": runs["start"].dt.date.to_numpy(), "end": runs["end"].dt.date.to_numpy(),
        "days": runs["days"].to_numpy(), "detail": [detail(r) for r in runs.itertuples()],
    }, columns=FLAG_COLUMNS)


# A season lasts at least four weeks: a sensor stuck for two weeks last August is a fault, and it
# must not make this August's stuck week a season (t12j finding 3).
SEASON_MIN_DAYS = 28
# A quiet stretch goes on over this many busier days in a row still under the usual level: a mild
# Sunday or the weekends of a quiet winter do not start a new stretch (t12j finding 2: one day at 200 in a winter at 50 made
# the rest of it a fault).
SEASON_BREAK_DAYS = 3


def _bridged(quiet: pd.Series, keys: pd.Series, under: pd.Series) -> pd.Series:
    """`quiet` (a day a row, each channel in order) with runs of at most SEASON_BREAK_DAYS days that
    are not quiet but `under` the channel's usual level, between two quiet days of the same channel,
    made quiet. Days back at the usual level end a stretch: two faults of last August three normal
    days apart were one 31-day « season » (t12k finding 4)."""
    loud = ~quiet
    run = (loud != loud.shift()) | (keys != keys.shift())
    ids = run.cumsum()
    size = loud.groupby(ids).transform("size")
    under_all = under.groupby(ids).transform("all")
    before = quiet.groupby(ids).transform("first").shift().where(keys == keys.shift()).groupby(ids).transform("first")
    after = quiet.shift(-1).where(keys == keys.shift(-1)).groupby(ids).transform("last")
    inside = loud & (size <= SEASON_BREAK_DAYS) & under_all & before.eq(True) & after.eq(True)
    return quiet | inside


def _seasonal(cal: pd.DataFrame, marked: pd.Series, quiet: pd.Series, t: Thresholds) -> pd.Series:
    """Whether each `marked` day of `cal` (every day of each channel, in order) is seasonal: it lies
    in a stretch that began when the channel's stretch of the year before began, within
    `season_days` days (29 February: 28 February), and no later than that stretch's end a year on
    plus `season_days`. A stretch is a run of `quiet` days (an outage or a day of a few passages
    does not split it: `quiet` holds them, nor do up to SEASON_BREAK_DAYS busier days) with `marked`
    days; it begins on its first marked day. Only a stretch of the year before whose marked days
    span at least SEASON_MIN_DAYS, `season_days` and `zero_days` days is a season: a day closed at
    Christmas or last year's three or fourteen stuck days are not.

    Zeros (_seasonal_zero) and low days (_seasonal_low) are read so. A park closed every winter,
    or counting a tenth of its summer every winter, is flagged its first winter only (no year
    before), not each winter after (t12h finding 3, t12i). A sensor stuck for a week in January of
    a park that was closed from November the winter before is no season: its run begins two months
    off (t12i finding 2), and a stretch longer than last year's is flagged beyond it."""
    if not marked.any():
        return pd.Series(False, index=cal.index)
    keys, days = cal["channel_id"], cal["day"]
    quiet = _bridged(quiet, keys, cal["visits"].isna() | ~(cal["visits"] >= cal["level"]))
    begins = quiet & ~(quiet.shift(fill_value=False) & (keys == keys.shift())
                       & (days.diff() == pd.Timedelta(days=1)))
    stretch = begins.cumsum().where(quiet)
    runs = (cal.loc[marked, ["channel_id", "day"]].assign(stretch=stretch[marked])
            .groupby("stretch").agg(channel_id=("channel_id", "first"), start=("day", "min"), end=("day", "max")))
    runs["then"] = runs["start"] - pd.DateOffset(years=1)
    # A season lasts: one closed day, last year's fault of three days or of two weeks is no
    # reference (r12 N2, t12j finding 3).
    long = (runs["end"] - runs["start"]).dt.days + 1 >= max(SEASON_MIN_DAYS, t.season_days, t.zero_days)
    before = runs.loc[long, ["channel_id", "start", "end"]].rename(columns={"start": "then", "end": "then_end"})
    # The stretch of the year before whose beginning is nearest this one's a year back.
    matched = pd.merge_asof(runs.reset_index().sort_values("then"), before.sort_values("then"), on="then",
                            by="channel_id", direction="nearest", tolerance=pd.Timedelta(days=t.season_days))
    matched["until"] = matched["then_end"] + pd.DateOffset(years=1) + pd.Timedelta(days=t.season_days)
    until = stretch[marked].map(matched.set_index("stretch")["until"])
    return marked & (cal.loc[marked, "day"] <= until).reindex(cal.index, fill_value=False)


def _seasonal_zero(cal: pd.DataFrame, full: pd.Series, t: Thresholds) -> pd.Series:
    """The fully measured days at 0 within a closure as the year before's (_seasonal). A closure's
    quiet days are those at 0, under `usual_min` passages, or not measured: two passages one day of
    a winter closure do not make the rest of it a new closure, flagged (r12 N1). Only days at 0
    are marked: a day with passages is read by _seasonal_low."""
    quiet = cal["visits"].isna() | (cal["visits"] < max(t.usual_min, 1))
    return _seasonal(cal, full & (cal["visits"] == 0), quiet, t)


def _seasonal_low(cal: pd.DataFrame, full: pd.Series, t: Thresholds) -> pd.Series:
    """The fully measured days below `drop_ratio` × the level (at 0 or not) within a low stretch
    as the year before's (_seasonal): a greenway counting 50 a day every winter against 500 in
    summer is a season from its second winter on, not a « baisse soudaine » each winter (t12i).
    A winter closed at 0 the year before is a reference too (winter is winter); a fall to 10 %
    in February after a winter closed from November is 92 days off, still a drop."""
    below = cal["visits"] < t.drop_ratio * cal["level"]
    return _seasonal(cal, full & below, cal["visits"].isna() | below, t)


def day_flags(daily: pd.DataFrame, t: Thresholds | None = None, events: pd.DataFrame | None = None,
              channels: pd.DataFrame | None = None, near: pd.DataFrame | None = None) -> pd.DataFrame:
    """Zero runs, drops, jumps and gaps per channel (see the module): FLAG_COLUMNS rows, in
    channel and date order. `events` and `channels` (both optional) give the closures and the
    announced events that explain a day."""
    t = t or Thresholds()
    if daily.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    cal = calendar(daily).sort_values(["channel_id", "day"]).reset_index(drop=True)
    cal["level"] = _level(cal, t)
    cal["level_after"] = _level(cal, t, after=True)
    ev = near if near is not None else event_days(events, channels, t)
    # announced: an event of the day that is not a closure (a festival beside a closed alley).
    ev = ev[["channel_id", "day", "closed"]].assign(
        day=pd.to_datetime(ev["day"]),
        announced=[len(e) > len(c) for e, c in zip(ev["events"], ev["closures"])] if "events" in ev
        else ~ev["closed"].astype(bool))
    cal = cal.merge(ev, on=["channel_id", "day"], how="left")
    cal["announced"] = cal["announced"].fillna(False).astype(bool)
    cal["closed"] = cal["closed"].fillna(False).astype(bool)
    open_ = ~cal["closed"]
    full = (cal["missing_measures"] == 0) & cal["visits"].notna()
    usual = cal["level"] >= t.usual_min
    keys = cal["channel_id"]

    # A seasonal zero is neither a zero run nor a drop: the channel is closed as it was a year before;
    # a seasonal low day is no drop: it counts as little as it did a year before.
    seasonal = _seasonal_zero(cal, full, t)
    zero = full & (cal["visits"] == 0) & usual & open_ & ~seasonal
    zero &= _runs(zero, keys) >= t.zero_days
    low = (full & (cal["visits"] < t.drop_ratio * cal["level"]) & usual & open_ & ~zero & ~seasonal
           & ~_seasonal_low(cal, full, t))
    drop = low & (_runs(low, keys) >= t.drop_days)
    # An announced event explains a spike; a closure does not: a park said closed that counts five
    # times its level is the more suspect (t12i finding 9), unless another event of the day is
    # announced (a festival while an alley is closed, t12j finding 4).
    jump = (full & (cal["visits"] > t.jump_ratio * cal["level"]) & usual & ~cal["announced"]
            # No usable day after it (a closure at 0, the end of the series): the level before decides
            # (t12k finding 3: a spike in a closure was never flagged).
            & ((cal["visits"] > t.jump_ratio * cal["level_after"]) | cal["level_after"].isna()))
    cal["missing_hours"] = measures_hours(cal["missing_measures"], _step(cal), cal["day"])
    gap = (cal["missing_hours"] >= t.gap_hours) & open_

    def level_text(r):
        return f"niveau habituel {count_text(r.level, 'passage')} par jour"

    frames = [
        _to_runs(cal, zero, "zero", lambda r: f"0 passage pendant {count_text(r.days, 'jour')} ; {level_text(r)}"),
        _to_runs(cal, drop, "drop", lambda r: f"{count_text(r.mean, 'passage')} par jour en moyenne ; {level_text(r)}"),
        _to_runs(cal, jump, "jump", lambda r: f"{count_text(r.max, 'passage')} ; {level_text(r)}"),
        _to_runs(cal, gap, "gap", lambda r: f"{count_text(r.missing, 'heure')} non "
                                            + plural(_shown(r.missing), "mesurée", "mesurées")),
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    return pd.concat(frames, ignore_index=True).sort_values(["channel_id", "start", "rule"]).reset_index(drop=True)


def _shown(value) -> int:
    """The whole number fmt.number shows for `value` (half up)."""
    return math.floor(float(value) + 0.5)


def count_text(value, one: str, many: str | None = None) -> str:
    """« 0 passage », « 1 jour », « 2 jours », « 1 236 passages »: the number as fmt.number shows
    it, the word singular for 0 and 1 as French has it (labels.plural) — « 1 jours » and
    « 0 heures » were written (t12i finding 8)."""
    return f"{fmt.number(value)} {plural(_shown(value), one, many)}"


def _clock(t: pd.Timestamp) -> str:
    """A wall-clock time in French: « 10 h », « 11 h 45 »."""
    return f"{t.hour} h {t.minute:02d}" if t.minute else f"{t.hour} h"


def flat_flags(runs: pd.DataFrame, t: Thresholds | None = None, events: pd.DataFrame | None = None,
               channels: pd.DataFrame | None = None, near: pd.DataFrame | None = None) -> pd.DataFrame:
    """Flat runs (counter_flat_runs rows: channel_id, run_start, run_end, run_stop, measures, value) of at
    least `flat_hours` measures as FLAG_COLUMNS rows, one per run, the days it touches; a run
    wholly on days of an announced closure is left out."""
    t = t or Thresholds()
    runs = runs.loc[(runs["measures"] >= t.flat_hours) & (runs["value"] >= t.flat_min_value)] if len(runs) else runs
    if runs.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    ev = near if near is not None else event_days(events, channels, t)
    shut = ev.loc[ev["closed"].astype(bool)]
    closed = set(zip(shut["channel_id"], pd.to_datetime(shut["day"])))
    out = []
    for r in runs.itertuples():
        start, end = pd.Timestamp(r.run_start), pd.Timestamp(r.run_end)
        days = pd.date_range(start.normalize(), end.normalize(), freq="D")
        if all((r.channel_id, d) in closed for d in days):
            continue
        # The end of the last measure, its own (a quarter-hour, an hour, a day), not an hour later.
        stop = pd.Timestamp(r.run_stop)
        if stop.normalize() == start.normalize() or stop == start.normalize() + pd.Timedelta(days=1):
            span = f"le {fmt.day(start)} de {_clock(start)} à {_clock(stop) if stop.hour or stop.minute else '24 h'}"
        else:
            span = f"du {fmt.day(start)} {_clock(start)} au {fmt.day(stop)} {_clock(stop)}"
        out.append({"channel_id": r.channel_id, "rule": "flat", "start": start.date(), "end": end.date(),
                    "days": len(days),
                    "detail": f"{count_text(r.value, 'passage')} à chaque mesure pendant "
                              f"{count_text(r.measures, 'mesure')}, {span}"})
    return pd.DataFrame(out, columns=FLAG_COLUMNS)


def flags(daily: pd.DataFrame, runs: pd.DataFrame, t: Thresholds | None = None,
          events: pd.DataFrame | None = None, channels: pd.DataFrame | None = None,
          near: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every rule's flags (FLAG_COLUMNS plus `label`, the rule in French), channel and date order.
    `near`: the event days (counter_event_days rows, as the pages read them from the database),
    else computed from `events` and `channels` (event_days)."""
    t = t or Thresholds()
    if near is None:
        near = event_days(events, channels, t)     # once for both
    parts = [f for f in (day_flags(daily, t, near=near), flat_flags(runs, t, near=near)) if len(f)]
    if not parts:
        return pd.DataFrame(columns=FLAG_COLUMNS + ["label"])
    out = pd.concat(parts, ignore_index=True).sort_values(["channel_id", "start", "rule"]).reset_index(drop=True)
    return out.assign(label=out["rule"].map(RULES))


def flagged_days(flags_: pd.DataFrame) -> pd.DataFrame:
    """(channel_id, day) of every channel-day under at least one flag, once each."""
    if flags_.empty:
        return pd.DataFrame(columns=["channel_id", "day"])
    rows = [(f.channel_id, d) for f in flags_.itertuples()
            for d in pd.date_range(pd.Timestamp(f.start), pd.Timestamp(f.end), freq="D")]
    return pd.DataFrame(rows, columns=["channel_id", "day"]).drop_duplicates().reset_index(drop=True)


def summary(flags_: pd.DataFrame, channel_days: int | None = None) -> str:
    """'37 jours-canaux signalés sur 26 304 (zéros prolongés 7, lacune 30)': the count the totals state."""
    n = len(flagged_days(flags_))
    if n == 0:
        return "aucun jour-canal signalé" + (f" sur {fmt.number(channel_days)}" if channel_days else "")
    # Channel-days per rule, each once: two runs of one rule on one channel may share a day (flat
    # runs of different values within a day), and a rule never counts more days than the total.
    by_rule = {rule: len(flagged_days(part)) for rule, part in flags_.groupby("rule")}
    parts = ", ".join(f"{RULES[r]} {fmt.number(by_rule[r])}" for r in RULES if r in by_rule)
    return (f"{fmt.number(n)} {'jours-canaux signalés' if n > 1 else 'jour-canal signalé'}"
            + (f" sur {fmt.number(channel_days)}" if channel_days else "") + f" ({parts})")

