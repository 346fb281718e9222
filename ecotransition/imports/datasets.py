"""The importable datasets: for each registry dataset, the value columns an import may set, its
accepted formats and the rules it checks (ecotransition/imports/formats/), in the registry's order.
"""

from __future__ import annotations

from ecotransition.data import registry
from ecotransition.imports.formats.agenda import (
    EVENTS, INDICATORS, INVESTMENTS, PARKS, build_events, build_indicators, build_investments, build_parks,
)
from ecotransition.imports.formats.base import Context, Dataset
from ecotransition.imports.formats.counters import (
    CHANNELS, MEASURES, SITES, build_channels, build_measures, build_sites,
)
from ecotransition.imports.formats.solar import (
    CADASTRE, ENEDIS, ODRE, POTENTIAL, SOLAR_TEMPLATE, build_cadastre, build_potential, build_solar, select_solar,
)

__all__ = ["DATASETS", "Context", "Dataset"]


_FORMATS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("solar_production", ("sites", "power_kw", "energy_mwh"),
            (SOLAR_TEMPLATE, ENEDIS, ODRE), build_solar, select_solar,
            description="Fichier Enedis « production électrique par filière à la maille commune » "
                        "(national ou régional : seules les communes du Pôle sont gardées), registre "
                        "ODRÉ des installations (agrégé par commune et année de mise en service), "
                        "ou le modèle du projet."),
    Dataset("solar_potential", ("potential_mwh",), (POTENTIAL,), build_potential),
    Dataset("cadastre_usage", ("users",), (CADASTRE,), build_cadastre),
    Dataset("park_sites", ("name", "commune_code", "lat", "lon", "area_ha", "kind", "opened", "description"),
            (PARKS,), build_parks),
    Dataset("indicators", ("label", "theme", "unit", "value", "target", "target_year", "direction", "note",
                           "reference", "reference_year"),
            (INDICATORS,), build_indicators),
    Dataset("counter_sites", ("site_name", "commune_code", "lat", "lon", "park_id"), (SITES,), build_sites,
            description="Fichier des sites du schéma national « comptage des mobilités »."),
    Dataset("counter_channels", ("site_id", "mobility_type", "direction", "time_step", "end_date"), (CHANNELS,), build_channels,
            description="Fichier des canaux du schéma « comptage des mobilités » (sites importés avant)."),
    Dataset("counter_measures", ("end_datetime", "end_utc_offset", "count"), (MEASURES,), build_measures, fast=True,
            description="Fichier des mesures du schéma « comptage des mobilités » (canaux importés avant) ; "
                        "un comptage vide est une mesure manquante, 0 signifie personne."),
    Dataset("events", ("title", "start_date", "end_date", "place", "commune_code", "lat", "lon", "theme",
             "participants", "description", "position_derived"), (EVENTS,), build_events),
    Dataset("investments", ("name", "company", "sector", "commune_code", "lat", "lon", "amount_eur", "jobs", "status",
             "announced_year", "description"), (INVESTMENTS,), build_investments),
)}

# In the registry's order; every importable dataset of the registry has its formats here.
DATASETS: dict[str, Dataset] = {name: _FORMATS[name] for name in registry.IMPORTABLE}
if set(_FORMATS) != set(registry.IMPORTABLE):
    raise RuntimeError("ecotransition/imports/datasets.py and the dataset registry name different datasets")
