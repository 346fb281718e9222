"""Deterministic demonstration series where the 2023 report gives only totals.

Every row produced here carries source = 'démonstration'. The generators take the
reference data (communes, park sites, events) and a numpy Generator built from a fixed
seed, so the same seed always yields the same rows. Totals that the report does give
are respected exactly: the rooftop potential sums to 3,000 GWh and the solar cadastre
counts 2,200 users in the two months after its launch on 26 September 2023.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Iterator

import numpy as np
import pandas as pd

from ecotransition.core.labels import DEMO_SOURCE

SEED = 20230630  # the day of the 2023 Grand forum
POTENTIAL_TOTAL_MWH = 3_000_000  # "3000 GWh, c'est le potentiel ... des toitures"
CADASTRE_LAUNCH = date(2023, 9, 26)
CADASTRE_FIRST_TWO_MONTHS = 2_200
SOLAR_YEARS = range(2015, 2025)
PARIS = "Europe/Paris"
COUNTER_START = datetime(2019, 1, 1)
COUNTER_END = datetime(2025, 1, 1)  # exclusive
SITES_PER_SCALE = 6  # x 2 channels x 52,608 hours: scale 16 gives ~10 million measures
INVESTMENT_TOTAL_EUR = 2_500_000_000  # "plus de 2,5 milliards d'euros ... depuis 2020"
ANNOUNCED_JOBS = 4_000
# Counter faults put in the demonstration series on purpose, so that the anomaly flags of
# /chaine-des-parcs (ecotransition.core.anomalies) show on the default data: (channel, first hour,
# last hour included, what the counter did). None is in Lens, whose totals the fiche tests quote.
DEMO_FAULTS = (
    ("demo-cpt-003-pie", "2024-08-05 00:00", "2024-08-11 23:00", "zero"),    # stuck at 0 for a week in August
    ("demo-cpt-005-vel", "2024-05-14 00:00", "2024-05-14 23:00", "flat"),    # 12 every hour for a day
    ("demo-cpt-006-pie", "2024-10-07 00:00", "2024-10-20 23:00", "drop"),    # 15 % of the passages for two weeks
    ("demo-cpt-001-pie", "2024-03-12 00:00", "2024-03-12 23:00", "jump"),    # eight times the passages for a day
)


def rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(SEED + offset)


def _apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to weights that add up to total exactly (largest remainder)."""
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


# --------------------------------------------------------------------------- solar

def solar(communes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(solar_production 2015-2024, solar_potential) per commune, scaled by population."""
    g = rng(1)
    communes = communes.sort_values("code").reset_index(drop=True)
    pop = communes["population"].to_numpy(float)
    n = len(communes)
    # Rural communes have more roof per inhabitant: potential grows slower than population.
    weights = pop ** 0.85 * g.uniform(0.85, 1.2, n)
    potential = _apportion(weights, POTENTIAL_TOTAL_MWH)
    pot_df = pd.DataFrame({
        "commune_code": communes["code"],
        "potential_mwh": potential.astype(float),
        "source": DEMO_SOURCE,
    })
    # Agglomerations do not move at the same pace, so comparisons say something.
    epci_pace = {code: 1 + 0.04 * i for i, code in enumerate(sorted(communes["epci_code"].unique()))}
    sites_2024 = pop * 0.018 * g.lognormal(0, 0.35, n) + g.uniform(2, 12, n)
    weather = {y: w for y, w in zip(SOLAR_YEARS, g.normal(1.0, 0.04, len(SOLAR_YEARS)))}
    weather[2022] = 1.07  # a notably sunny year in northern France
    rows = []
    for i, c in communes.iterrows():
        pace = epci_pace[c["epci_code"]] * g.uniform(0.95, 1.05)
        for year in SOLAR_YEARS:
            back = 2024 - year
            # Faster growth since 2020 (self-consumption bonus, energy prices).
            recent, older = min(back, 4), max(back - 4, 0)
            factor = (1.19 * pace) ** -recent * (1.08 * pace) ** -older
            sites = max(1, int(round(sites_2024[i] * factor)))
            kw_per_site = 5.0 + 0.35 * (year - 2015) + g.normal(0, 0.4)
            power = round(sites * kw_per_site, 1)
            energy = round(power * 0.93 * weather[year] * g.normal(1, 0.02), 1)
            rows.append((c["code"], year, sites, power, energy))
    prod = pd.DataFrame(rows, columns=["commune_code", "year", "sites", "power_kw", "energy_mwh"])
    prod["source"] = DEMO_SOURCE
    return prod, pot_df


# ------------------------------------------------------------------------ cadastre

def cadastre(end: date = date(2024, 12, 31)) -> pd.DataFrame:
    """Daily users of the solar cadastre since its relaunch: a launch peak, then a plateau."""
    g = rng(2)
    days = pd.date_range(CADASTRE_LAUNCH, end, freq="D")
    t = np.arange(len(days))
    weekday = np.where(days.dayofweek >= 5, 0.55, 1.0)
    level = (180 * np.exp(-t / 9) + 22) * weekday
    users = g.poisson(level).astype(np.int64)
    first = days < pd.Timestamp(CADASTRE_LAUNCH) + pd.DateOffset(months=2)
    users[first] = _apportion(level[first], CADASTRE_FIRST_TWO_MONTHS)
    return pd.DataFrame({"date": days.date, "users": users, "source": DEMO_SOURCE})


# --------------------------------------------------------------------- investments

_SECTORS = [
    "Batteries & électromobilité", "Industrie", "Économie circulaire",
    "Énergie renouvelable", "Logistique", "Agroalimentaire",
]
_STATUSES = ["annoncé", "en travaux", "en production", "en service"]


def investments(communes: pd.DataFrame, known_jobs: int = 0, count: int = 18) -> pd.DataFrame:
    """A portfolio of unnamed projects whose amounts add up to the reported 2.5 Md€
    and whose jobs, with the ones the report names, make the 4,000 announced jobs."""
    g = rng(3)
    communes = communes.sort_values("code").reset_index(drop=True)
    pick = g.choice(len(communes), size=count, replace=False,
                    p=communes["population"] / communes["population"].sum())
    amounts = _apportion(g.pareto(1.2, count) + 0.2, INVESTMENT_TOTAL_EUR // 1_000_000) * 1_000_000
    jobs = _apportion(amounts.astype(float) ** 0.8, max(ANNOUNCED_JOBS - known_jobs, 0))
    rows = []
    for k, i in enumerate(pick):
        c = communes.iloc[i]
        sector = _SECTORS[k % len(_SECTORS)]
        rows.append({
            "id": f"demo-inv-{k + 1:02d}",
            "name": f"Projet {chr(65 + k)} ({sector.lower()})",
            "company": f"Entreprise {chr(65 + k)}",
            "sector": sector,
            "commune_code": c["code"],
            "lat": c["lat"], "lon": c["lon"],
            "amount_eur": float(amounts[k]),
            "jobs": int(jobs[k]),
            "status": _STATUSES[int(g.integers(len(_STATUSES)))],
            "announced_year": int(g.integers(2020, 2025)),
            "description": "Projet fictif : répartition de démonstration du total publié.",
            "source": DEMO_SOURCE,
        })
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------ targets

# Local targets the report does not give: one commune's and one agglomeration's, so that the
# fiche commune and its trajectory charts have something to show. Never presented as adopted.
_TARGETS = (
    # id, zone, label, theme, unit, (reference year, value), (target year, value), growth per year
    ("installations_pv_patrimoine", "62498", "Installations photovoltaïques sur le patrimoine communal",
     "Solaire", "installations", (2020, 2), (2026, 15), 1.5),
    ("toitures_publiques_solarisees", "CAHC", "Toitures d'équipements publics solarisées", "Solaire",
     "toitures", (2021, 4), (2027, 30), 4.0),
)


def targets(last_year: int = 2024) -> pd.DataFrame:
    """Yearly values from the reference year to `last_year` for each demonstration target, with
    the target and reference on every row (the latest row is the one the pages read)."""
    g = rng(5)
    rows = []
    for ind_id, zone, label, theme, unit, (ref_year, ref), (target_year, target), growth in _TARGETS:
        value = float(ref)
        for year in range(ref_year, last_year + 1):
            if year > ref_year:
                value += max(0.0, round(growth + float(g.normal(0, growth / 3))))
            rows.append({"id": ind_id, "zone": zone, "year": year, "label": label, "theme": theme, "unit": unit,
                         "value": value, "target": float(target), "target_year": target_year,
                         "reference": float(ref), "reference_year": ref_year, "direction": "up",
                         "note": "Objectif de démonstration : aucun objectif local n'est publié dans le rapport.",
                         "source": DEMO_SOURCE})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------ counters

def _instants() -> pd.DatetimeIndex:
    """Every real hour from COUNTER_START to COUNTER_END (Europe/Paris wall clock), as UTC-aware
    instants: 23 on the last Sunday of March, 25 on the last Sunday of October."""
    first = pd.Timestamp(COUNTER_START).tz_localize(PARIS)
    last = pd.Timestamp(COUNTER_END).tz_localize(PARIS)
    return pd.date_range(first.tz_convert("UTC"), last.tz_convert("UTC"), freq="h", inclusive="left")


def _wall(instants: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """(Europe/Paris wall clock, minutes east of UTC) of UTC-aware instants: the stored form of a
    measure's times (the two 02:00 of October differ by their offset)."""
    local = instants.tz_convert(PARIS)
    offset = ((local.tz_localize(None) - instants.tz_localize(None)) // pd.Timedelta(minutes=1)).to_numpy()
    return local.tz_localize(None), offset.astype("int16")


def _hours() -> pd.DatetimeIndex:
    """The wall clock of every real hour (the October 02:00 twice, no March 02:00)."""
    return _wall(_instants())[0]


_KIND_ORDER = {"parc": 0, "voie verte": 1, "voie d'eau": 2, "site minier": 3, "équipement": 4}


def counter_sites(parks: pd.DataFrame, locate, scale: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counter sites around the Chaîne des parcs sites, and their BIKE/PEDESTRIAN channels.

    `locate(lat, lon)` returns the INSEE code of the commune containing the point, or None.
    """
    g = rng(4)
    # Parks and greenways first, so that even the smallest demo has counters where the
    # crowds are (Louvre-Lens, Olhain, EuroVélo 5); then the mining sites and the rest.
    rank = parks["kind"].map(_KIND_ORDER).fillna(len(_KIND_ORDER))
    parks = (parks.assign(_rank=rank).dropna(subset=["lat", "lon"])
             .sort_values(["_rank", "id"]).reset_index(drop=True))
    sites, channels = [], []
    site_cols = ["site_id", "site_name", "commune_code", "lat", "lon", "park_id", "source"]
    channel_cols = ["channel_id", "site_id", "mobility_type", "direction", "time_step", "source"]
    for k in range(SITES_PER_SCALE * scale if len(parks) else 0):
        park = parks.iloc[k % len(parks)]
        ring = k // len(parks)
        for _ in range(50):
            dist_m = 0 if ring == 0 else g.uniform(150, 400) * (1 + ring ** 0.5)
            angle = g.uniform(0, 2 * math.pi)
            lat = park["lat"] + dist_m * math.cos(angle) / 111_320
            lon = park["lon"] + dist_m * math.sin(angle) / (111_320 * math.cos(math.radians(park["lat"])))
            commune = locate(lat, lon)
            if commune:
                break
        site_id = f"demo-cpt-{k + 1:03d}"
        sites.append({
            "site_id": site_id,
            "site_name": f"{park['name']} – compteur {ring + 1}",
            "commune_code": commune,
            "lat": round(lat, 5), "lon": round(lon, 5),
            "park_id": park["id"],
            "source": DEMO_SOURCE,
        })
        for mode in ("PEDESTRIAN", "BIKE"):
            channels.append({
                "channel_id": f"{site_id}-{'pie' if mode == 'PEDESTRIAN' else 'vel'}",
                "site_id": site_id,
                "mobility_type": mode,
                # Both ways on one channel: no compass direction of the schema (N, NE…), so not
                # given, as an imported channel without one (the import refuses « deux sens »).
                "direction": None,
                "time_step": 3600,
                "source": DEMO_SOURCE,
            })
    return pd.DataFrame(sites, columns=site_cols), pd.DataFrame(channels, columns=channel_cols)


_PED_HOURS = np.exp(-0.5 * ((np.arange(24) - 15) / 3.2) ** 2) + 0.02
_BIKE_WORK = (np.exp(-0.5 * ((np.arange(24) - 8) / 1.1) ** 2)
              + np.exp(-0.5 * ((np.arange(24) - 17.5) / 1.4) ** 2)
              + 0.4 * np.exp(-0.5 * ((np.arange(24) - 13) / 3) ** 2) + 0.01)
_BIKE_LEISURE = np.exp(-0.5 * ((np.arange(24) - 13.5) / 3) ** 2) + 0.01


def _site_start(site: pd.Series, parks: pd.DataFrame) -> datetime:
    """Counters start with the series, except in a park opened during it (from its opening day)."""
    opened = parks.loc[parks["id"] == site["park_id"], "opened"]
    if len(opened) and not pd.isna(opened.iloc[0]):
        day = pd.Timestamp(opened.iloc[0])
        return datetime(day.year, day.month, day.day)
    return COUNTER_START


def _event_boost(hours: pd.DatetimeIndex, site: pd.Series, events: pd.DataFrame,
                 nearest: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Extra visitors per hour (pedestrian, bike) for the events held near this site."""
    extra_ped = np.zeros(len(hours))
    extra_bike = np.zeros(len(hours))
    day = hours.normalize()
    daytime = (hours.hour >= 10) & (hours.hour < 20)
    for ev in events.itertuples():
        if nearest.get(ev.id) is None:
            continue
        end = ev.end_date if not pd.isna(ev.end_date) else ev.start_date
        on = (day >= pd.Timestamp(ev.start_date)) & (day <= pd.Timestamp(end)) & daytime
        if not on.any():
            continue
        text = f"{ev.title} {ev.description or ''}".lower()
        bike = any(w in text for w in ("vélo", "bike", "vtt", "gravel"))
        if nearest[ev.id] == site["site_id"] and not pd.isna(ev.participants):
            per_hour = float(ev.participants) / on.sum()
        else:
            per_hour = 25.0  # neighbours of the event, or an event with no published count
        (extra_bike if bike else extra_ped)[on] += per_hour
    return extra_ped, extra_bike


def nearest_sites(events: pd.DataFrame, sites: pd.DataFrame, max_m: float = 800) -> dict[str, str | None]:
    """For each event, the closest counter site within max_m metres (None if none is that close)."""
    out = {}
    slat, slon = sites["lat"].to_numpy(), sites["lon"].to_numpy()
    for ev in events.itertuples():
        if pd.isna(ev.lat) or pd.isna(ev.lon):
            out[ev.id] = None
            continue
        dy = (slat - ev.lat) * 111_320
        dx = (slon - ev.lon) * 111_320 * math.cos(math.radians(ev.lat))
        d = np.hypot(dx, dy)
        i = int(np.argmin(d))
        out[ev.id] = sites["site_id"].iloc[i] if d[i] <= max_m else None
    return out


def _faults(counts: np.ndarray, hours: pd.DatetimeIndex, channel_id: str) -> None:
    """Apply DEMO_FAULTS to one channel's hourly counts, in place (no random draw: the other
    values stay as they were)."""
    for channel, first, last, kind in DEMO_FAULTS:
        if channel != channel_id:
            continue
        on = (hours >= pd.Timestamp(first)) & (hours <= pd.Timestamp(last))
        if kind == "zero":
            counts[on] = 0
        elif kind == "flat":
            counts[on] = 12
        elif kind == "drop":
            counts[on] = np.round(counts[on] * 0.15)
        elif kind == "jump":
            counts[on] = counts[on] * 8


def counter_measures(sites: pd.DataFrame, channels: pd.DataFrame, parks: pd.DataFrame,
                     events: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """Hourly counts per channel, one DataFrame per site (both channels), 2019-2024.

    Seasons, weekends, hour-of-day profiles, a daily weather factor shared by a site's
    channels, the 2020 lockdown, a few outages (count = null: missing, not zero) and
    the events of the events table near the site.
    """
    instants = _instants()
    hours, offsets = _wall(instants)
    ends, end_offsets = _wall(instants + pd.Timedelta(hours=1))
    n = len(hours)
    days = hours.normalize()
    day_index = ((days - days[0]) / pd.Timedelta(days=1)).astype(int).to_numpy()
    n_days = day_index[-1] + 1
    doy = hours.dayofyear.to_numpy()
    weekend = hours.dayofweek.to_numpy() >= 5
    hour = hours.hour.to_numpy()
    season = 1 + 0.45 * np.cos(2 * np.pi * (doy - 196) / 365.25)
    years = hours.year.to_numpy()
    trend = 1.04 ** (years - 2019)
    lockdown = (hours >= "2020-03-17") & (hours < "2020-05-11")
    trend = np.where(lockdown, trend * 0.25, trend)
    nearest = nearest_sites(events, sites)
    for k, site in sites.reset_index(drop=True).iterrows():
        g = rng(1000 + k)
        start = _site_start(site, parks)
        rain = g.random(n_days) < 0.3
        weather = g.lognormal(0, 0.22, n_days) * np.where(rain, 0.6, 1.0)
        site_level = g.lognormal(0, 0.45)
        extra_ped, extra_bike = _event_boost(hours, site, events, nearest)
        frames = []
        for ch in channels.loc[channels["site_id"] == site["site_id"]].itertuples():
            if ch.mobility_type == "PEDESTRIAN":
                daily = 420 * site_level * np.where(weekend, 1.6, 1.0)
                profile = _PED_HOURS[hour] / _PED_HOURS.sum()
                extra = extra_ped
            else:
                daily = 160 * site_level * np.where(weekend, 1.25, 1.0)
                shape = np.where(weekend[:, None], _BIKE_LEISURE, _BIKE_WORK)[np.arange(n), hour]
                profile = shape / _BIKE_WORK.sum()
                extra = extra_bike
            lam = daily * profile * season * trend * weather[day_index] + extra
            counts = g.poisson(lam).astype("float64")
            # Outages: a few stretches of hours to days, plus scattered single hours.
            for _ in range(int(g.integers(2, 7))):
                s = int(g.integers(0, n))
                counts[s:s + int(g.integers(1, 96))] = np.nan
            counts[g.random(n) < 0.001] = np.nan
            _faults(counts, hours, ch.channel_id)
            keep = hours >= start
            frames.append(pd.DataFrame({
                "channel_id": ch.channel_id,
                "start_datetime": hours[keep],
                "end_datetime": ends[keep],
                "utc_offset": offsets[keep],
                "end_utc_offset": end_offsets[keep],
                "count": pd.array(counts[keep], dtype="Int64"),
                "source": DEMO_SOURCE,
            }))
        yield pd.concat(frames, ignore_index=True)
