"""The dataset registry: one declaration per dataset, from which everything else is derived.

Each `Dataset` says its table and key, where its rows come from (a seed file in data/seed/,
a demonstration generator, imports), its French catalogue label, whether it is located by
commune, and how often it is expected to change. From this one list come:

- `TABLES`: the data contract's tables, in build order (db.checksums, the store's cache keys);
- `SEED_TABLES`: the files the build loads, in dependency order;
- `IMPORTABLE`: the datasets staff may import, in the order the data page offers them (and
  the catalogue shows them); the import formats and rules of each live in
  ecotransition/imports/datasets.py under the same name;
- `BY_COMMUNE`: the datasets of the completeness heatmap;
- `WITH_RHYTHM`: the datasets whose lateness the panels, the catalogue and the screen check.

Adding a dataset = one entry here, its DDL in queries/schema.sql, its import format module.
The tables' columns are declared in queries/schema.sql (DuckDB is the authority on them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Dataset:
    table: str
    key: tuple[str, ...]
    label: str                       # French, in the catalogue, the import choices and the history
    rhythm: str                      # expected update rhythm, in French ("annuelle", "quotidienne")
    seed: bool = False               # loaded from data/seed/<table>.csv by the build
    demo: str = ""                   # what the build generates for it (ecotransition.data.demo), if anything
    importable: bool = True          # staff may load files into it from /donnees or the CLI
    by_commune: bool = False         # has a commune_code: shown in the completeness heatmap
    # Freshness (ecotransition.data.freshness, `late_from`): from the last day the data describe
    # (queries/dataset_dates.sql), late when the app's day is more than `late_after_days` after it,
    # or, for a yearly rhythm, once year N + `late_from_year` begins, N being the last year the data
    # describe (calendar years: 730 days turned late a day early over a 29 February); `expected`
    # says the rhythm in the message ("attendue chaque semaine"). Neither: no rhythm to hold to.
    late_after_days: int | None = None
    late_from_year: int | None = None
    expected: str = ""

    def late_from(self, as_of: date) -> date | None:
        """The first day on which data ending on `as_of` are late (31 December 2023, yearly with
        late_from_year 3: 1 January 2026; 31 December 2024, 8 days: 9 January 2025); None
        without a rhythm."""
        if self.late_from_year is not None:
            return date(as_of.year + self.late_from_year, 1, 1)
        if self.late_after_days is not None:
            return as_of + timedelta(days=self.late_after_days + 1)
        return None

    @property
    def lateness(self) -> str | None:
        """The rule in the README's words ("8 days", "year N+3 begins"); None without a rhythm."""
        if self.late_from_year is not None:
            return f"year N+{self.late_from_year} begins"
        return None if self.late_after_days is None else f"{self.late_after_days} days"


# In build order (a table comes after the tables it refers to); the importable ones are
# offered in this order too: staff spreadsheets first, then open-data files.
REGISTRY: tuple[Dataset, ...] = (
    Dataset("epci", ("code",), "Agglomérations", "à chaque changement de périmètre", seed=True, importable=False),
    Dataset("communes", ("code",), "Communes", "annuelle (populations légales INSEE)", seed=True,
            importable=False),
    Dataset("events", ("id",), "Événements", "au fil des événements", seed=True, by_commune=True),
    Dataset("investments", ("id",), "Investissements", "au fil des annonces", seed=True,
            demo="projets sans nom dont les montants totalisent les 2,5 Md€ du rapport", by_commune=True),
    # The report of year N comes out during N+1: with N the latest year, N+1's figures are due
    # during N+2, so they are late once N+3 begins.
    Dataset("indicators", ("id", "zone", "year"), "Indicateurs clés", "annuelle (rapport d'activité)", seed=True,
            demo="objectifs locaux de démonstration (Lens, CAHC) et leurs séries",
            late_from_year=3, expected="chaque année"),
    Dataset("park_sites", ("id",), "Sites de la Chaîne des parcs", "à chaque nouveau site", seed=True,
            by_commune=True),
    Dataset("solar_production", ("commune_code", "year"), "Production solaire par commune",
            "annuelle (Enedis publie l'année N au cours de l'année N+1)",
            demo="séries 2015-2024 par commune, proportionnelles à la population", by_commune=True,
            late_from_year=3, expected="chaque année"),
    Dataset("solar_potential", ("commune_code",), "Potentiel solaire des toitures",
            "à chaque mise à jour du cadastre solaire", demo="répartition par commune des 3 000 GWh du rapport",
            by_commune=True),
    Dataset("cadastre_usage", ("date",), "Fréquentation du cadastre solaire", "quotidienne",
            demo="utilisateurs quotidiens calés sur les 2 200 des deux premiers mois",
            late_after_days=3, expected="chaque jour"),
    Dataset("counter_sites", ("site_id",), "Compteurs – sites", "à chaque nouveau compteur",
            demo="compteurs autour des sites de la Chaîne des parcs", by_commune=True),
    Dataset("counter_channels", ("channel_id",), "Compteurs – canaux", "à chaque nouveau compteur",
            demo="piétons et vélos par compteur"),
    # start_datetime is local time: with its UTC offset it names one instant (the October hour twice).
    Dataset("counter_measures", ("channel_id", "start_datetime", "utc_offset"), "Compteurs – mesures",
            "quotidienne ou hebdomadaire",
            demo="comptages horaires 2019-2024", late_after_days=8, expected="chaque semaine"),
    Dataset("imports", ("id",), "Historique des imports", "à chaque import", importable=False),
)

_BY_TABLE = {d.table: d for d in REGISTRY}
TABLES: tuple[str, ...] = tuple(d.table for d in REGISTRY)
SEED_TABLES: tuple[str, ...] = tuple(d.table for d in REGISTRY if d.seed)
IMPORTABLE: tuple[str, ...] = tuple(d.table for d in REGISTRY if d.importable)
BY_COMMUNE: tuple[str, ...] = tuple(d.table for d in REGISTRY if d.by_commune)
WITH_RHYTHM: tuple[str, ...] = tuple(d.table for d in REGISTRY if d.lateness is not None)


def get(table: str) -> Dataset:
    """The declaration of `table`; KeyError for a table the registry does not know."""
    return _BY_TABLE[table]


def label(name: str) -> str:
    """French label of a dataset (or of a history entry such as a restore), else the name itself."""
    entry = _BY_TABLE.get(name)
    return entry.label if entry else {"restauration": "Restauration d'une sauvegarde"}.get(name, name)
