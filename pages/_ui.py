"""Widgets shared by the pages (page layer: the package itself stays free of streamlit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

from ecotransition.core import anomalies, clock, escape, fmt
from ecotransition.core.kpi import Kpi
from ecotransition.core.selection import Selection
from ecotransition.core.selection import selection as make_selection
from ecotransition.data import freshness
from ecotransition.surfaces import export
from ecotransition.themes import parks
from ecotransition.ui import store

DEMO_NOTICE = (
    "⚠ **Données de démonstration** : le rapport d'activité 2023 ne donne que des totaux ; "
    "les séries marquées « démonstration » sont générées pour illustrer le tableau de bord."
)


def filters() -> dict:
    """The shared sidebar filters (agglomeration short name, INSEE code, year), or None each."""
    # "" is the sidebar's "Toutes les communes" option (see dashboard.py): no filter.
    return {k: st.session_state.get(k) or None for k in ("epci", "commune", "annee")}


def selection() -> Selection:
    """The sidebar's selection (agglomeration, commune with its name, year)."""
    return make_selection(filters(), store.query("communes_list", epci=None))


def column_values(df: pd.DataFrame, column: str) -> tuple:
    """A column's values as a tuple (a selectbox's options), through store.shared: iterating a
    pyarrow-backed column on every view is slow."""
    return tuple(df[column].tolist())


def commune_names(communes: pd.DataFrame) -> dict[str, str]:
    """INSEE code -> name of a communes_list result, through store.shared (never modify it)."""
    return dict(zip(communes["code"].tolist(), communes["name"].tolist()))


def coverage_notes(notes: Iterable[str]) -> None:
    """Say under a table which of its figures cover only part of the area (never a silent gap)."""
    notes = list(notes)
    if notes:
        st.caption("Couverture partielle — " + escape_md(" · ".join(notes)))


@dataclass(frozen=True)
class CardText:
    """What one metric card draws, its imported texts escaped for Markdown (labels, help and
    captions are Markdown: an indicator's imported label or note stays text)."""
    label: str
    value: str
    delta: str | None
    delta_color: str
    help: str | None
    progress: float | None
    progress_text: str | None
    caption: str


def card_texts(kpis: tuple[Kpi, ...]) -> tuple[CardText, ...]:
    """The cards' texts, worked out once per set of cards (through store.shared) rather than on
    every view: escaping and formatting them was a tenth of a warm overview run."""
    return tuple(CardText(escape_md(k.label), k.value, k.delta, k.delta_color,
                          escape_md(k.help) if k.help else None, k.progress,
                          None if k.progress is None else f"{round(k.progress * 100)} % de l'objectif",
                          escape_md(k.caption))
                 for k in kpis)


def kpi_cards(kpis: Iterable[Kpi], columns: int = 4) -> None:
    """Metric cards with their year, source, change and target on a caption line."""
    cards = store.shared(card_texts, tuple(kpis))
    for start in range(0, len(cards), columns):
        row = cards[start:start + columns]
        # A full row: the columns are the cards (one element less per card, for every viewer);
        # a shorter one keeps the grid's widths, its cards in bordered containers.
        full = len(row) == columns
        cols = st.columns(columns, border=full)
        for col, k in zip(cols, row):
            with col if full else col.container(border=True):
                st.metric(k.label, k.value, delta=k.delta, delta_color=k.delta_color, help=k.help)
                if k.progress is not None:
                    st.progress(k.progress, text=k.progress_text)
                st.caption(k.caption)


def freshness_notes(*datasets: str) -> None:
    """Each dataset's own « Données au … », or a warning when it is later than its rhythm allows
    (ecotransition.data.freshness, judged on the app clock)."""
    for note in freshness_of(*datasets):
        if note.late:
            st.warning(f"**{escape_md(note.label)}** — {escape_md(note.text)}.", icon=":material/schedule:")
        else:
            st.caption(escape_md(note.line))


def freshness_of(*datasets: str) -> list[freshness.Note]:
    """The freshness notes of `datasets` on the app clock (what freshness_notes shows; the fiche's
    PDF prints them)."""
    known = store.shared(freshness.of_dates, store.query("dataset_dates"), clock.today())
    return freshness.notes(known, datasets)


@dataclass(frozen=True)
class CounterFlags:
    flags: pd.DataFrame       # themes.parks.flags_for_area rows
    daily: pd.DataFrame       # counter_days rows
    channels: pd.DataFrame    # visits_channel_years rows
    thresholds: anomalies.Thresholds


def counter_flags(epci: str | None, commune: str | None) -> CounterFlags:
    """The anomaly flags of the counter channels of the area, with their inputs: the one call
    /chaine-des-parcs and the catalogue of /donnees make (thresholds from the environment; a
    setting refused is replaced by its default, with a warning saying so)."""
    t, refused = anomalies.read_thresholds()
    for problem in refused:
        st.warning(f"Réglage des anomalies des compteurs : {escape_md(problem)}", icon="⚙️")
    area = dict(epci=epci, commune=commune)
    daily = store.query("counter_days", **area)
    channels = store.query("visits_channel_years", **area)
    # The events about each counter are matched in SQL on the database (a whole agenda in a
    # fraction of a second), cached until the events or the counters change.
    near = store.query("counter_event_days", **area, **anomalies.closure_params(t))
    flags = store.shared(parks.flags_for_area, daily,
                         store.query("counter_flat_runs", min_measures=t.flat_hours, min_value=t.flat_min_value,
                                     **area),
                         None, channels, t, near=near)
    return CounterFlags(flags, daily, channels, t)


def url_selectbox(container, label: str, options: dict[str, str], key: str, all_label: str) -> str | None:
    """A selectbox of ids shown by their names (`options`: id -> name, "" for all), kept in the
    URL parameter `key` as the id, both ways: a link with ?compteur=demo-cpt-003 selects it and a
    choice writes its id. (bind="query-params" would write the displayed name and drop an id.)
    An id the options do not hold (another area's) selects all; an old link with a name, its id."""
    written_key = f"_{key}_in_url"
    # A link naming several (?compteur=a&compteur=b) shows the last: the URL then keeps it alone,
    # so that the link reproduces what the page shows.
    several = len(st.query_params.get_all(key)) > 1
    in_url, written = st.query_params.get(key), st.session_state.get(written_key)
    if in_url is not None and in_url != written:
        by_name = {name: i for i, name in options.items()}
        st.session_state[key] = in_url if in_url in options else by_name.get(in_url, "")
    elif st.session_state.get(key, "") not in ("", *options):
        st.session_state[key] = ""
    value = container.selectbox(label, ["", *options], key=key, placeholder=all_label,
                                format_func=lambda v: options.get(v, v) if v else all_label) or None
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
    elif in_url != value or several:
        st.query_params[key] = value
    st.session_state[written_key] = value
    return value


def demo_notice(shown: bool = True) -> None:
    if shown:
        st.info(DEMO_NOTICE)


def export_buttons(df: pd.DataFrame | Callable[[], pd.DataFrame], basename: str,
                   labels: dict[str, str] | None = None, key: str | None = None) -> None:
    """Download the table as it is shown: CSV for French Excel and XLSX. `df` may be a function
    returning the rows, called only on a click (a paginated table exports every page)."""
    key = key or basename
    rows = df if callable(df) else (lambda: df)
    c1, c2 = st.columns(2)
    # Callables: the files are only built when someone clicks, not on every rerun
    # (an XLSX of a large table costs more than the rest of the page).
    c1.download_button("Exporter en CSV (Excel)", lambda: export.to_csv(rows(), labels), f"{basename}.csv",
                       mime="text/csv", key=f"{key}-csv", on_click="ignore")
    c2.download_button("Exporter en XLSX", lambda: export.to_xlsx(rows(), labels), f"{basename}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}-xlsx", on_click="ignore")


def dataset_note(title: str, source: str, vintage: str, rhythm: str, caveats: str) -> None:
    """Where the figures come from, how fresh they are and what to keep in mind."""
    with st.expander(f"À propos des données — {title}"):
        st.markdown(
            f"- **Source** : {escape_md(source)}\n- **Millésime** : {escape_md(vintage)}\n"
            f"- **Mise à jour** : {escape_md(rhythm)}\n- **Précautions** : {escape_md(caveats)}"
        )


# Imported text made literal for Streamlit's Markdown: the pages' short name for the one helper.
escape_md = escape.markdown


# --------------------------------------------------------------------------
# Added for the thematic pages (Solaire, Chaîne des parcs, Événements).

def number_column(label: str, decimals: int = 0, help: str | None = None):
    """A numeric table column in the reader's (French) locale with a fixed number of decimals."""
    return st.column_config.NumberColumn(label, help=help, format="localized",
                                         step=1 if decimals == 0 else 10 ** -decimals)


def date_column(label: str, help: str | None = None):
    """A date column shown as 30/06/2023."""
    return st.column_config.DateColumn(label, help=help, format="DD/MM/YYYY")


def fiche_url(code: str, name: str) -> str:
    """The fiche commune's address, relative to the current page; the name rides in the fragment
    (ignored by the app) so that a LinkColumn can show it."""
    return f"commune?code={code}#{name}"


def linked_names(df: pd.DataFrame, name_col: str, code_col: str) -> pd.DataFrame:
    """`df` with each commune name replaced by its fiche's URL (see with_fiche_links)."""
    return df.assign(**{name_col: [fiche_url(c, n) for c, n in zip(df[code_col], df[name_col])]})


def with_fiche_links(df: pd.DataFrame, name_col: str, code_col: str, config: dict, label: str) -> pd.DataFrame:
    """The commune names of a shown table as links to their fiche (opened in a new tab)."""
    config[name_col] = st.column_config.LinkColumn(label, display_text=r"#(.+)$",
                                                   help="Ouvre la fiche de la commune")
    return store.shared(linked_names, df, name_col, code_col)


def arrow_table(df: pd.DataFrame) -> pa.Table:
    """`df` as the Arrow table st.dataframe would make of it (for store.shared)."""
    return dataframe_util.convert_pandas_df_to_arrow_table(df)


def shared_table(df: pd.DataFrame, **kwargs) -> None:
    """st.dataframe of a table shared by every session (a query's or store.shared's result):
    converted to Arrow once, not on each view (a tenth of a table-heavy page's server CPU)."""
    st.dataframe(store.shared(arrow_table, df), **kwargs)


def displayed(df: pd.DataFrame, shown: tuple[str, ...], french: tuple[tuple[str, int], ...] = (),
              dates: tuple[str, ...] = (), labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The columns `shown` of `df` as table_with_export shows them: the `french` (column,
    decimals) as French text, and with `labels` (a wrapped text table) every cell as text, the
    `dates` as 30/06/2023 and the columns named by their labels."""
    view = df[list(shown)]
    for col, decimals in french:
        view = view.assign(**{col: [fmt.number(v, decimals) for v in view[col]]})
    if labels is None:
        return view
    view = view.assign(**{c: [v.strftime("%d/%m/%Y") if not fmt.is_missing(v) else fmt.MISSING
                              for v in pd.to_datetime(view[c])] for c in dates})
    return view.rename(columns=labels).fillna(fmt.MISSING).astype(str)


def table_with_export(df: pd.DataFrame, labels: dict[str, str], column_config: dict,
                      basename: str, key: str | None = None, height: int | str = "auto",
                      screen_only: Iterable[str] = (), fiche_links: tuple[str, str] | None = None,
                      export_rows: Callable[[], pd.DataFrame] | None = None,
                      french: dict[str, int] | None = None, wrapped: Iterable[str] = ()) -> None:
    """A table (only the columns of `labels`, in that order) and its CSV/XLSX export buttons.

    `wrapped`: date columns of a table shown as wrapped text (text_table: every column on the
    page, long sentences on several lines, instead of a grid cut off at its right edge), as
    30/06/2023; its numbers are those of `french`.

    `french`: numeric columns shown in French whatever the browser's language ("2 904", "99,8",
    "n.d." when missing: fmt.number, babel) with that many decimals; the exports keep numbers.

    `export_rows`: when the table shows one page of a longer selection, a function returning
    every row to export (called on a click only).

    `screen_only`: columns shown but not exported, French labels of another exported column
    (a spreadsheet reads "2 janvier 2019" as a date and "1er janvier 2019" as text).
    `fiche_links`: (name column, INSEE code column): the names link to their fiche commune.
    """
    shown = [c for c in labels if c in df.columns]
    config = {c: column_config.get(c, labels[c]) for c in shown}
    df_shown = df if fiche_links is None else with_fiche_links(df, *fiche_links, config, labels[fiche_links[0]])
    in_french = tuple((c, d) for c, d in (french or {}).items() if c in shown)
    for col, _ in in_french:
        # "localized" follows the browser's language: 2,904 and 99.8 in an English one.
        config[col] = st.column_config.TextColumn(labels[col], alignment="right")
    dates = tuple(c for c in wrapped if c in shown)
    # Once per table for every session, not a copy of its columns (and texts) on each view.
    view = store.shared(displayed, df_shown, tuple(shown), in_french, dates, labels if wrapped else None)
    if wrapped:
        # Long lists scroll inside the page (hundreds of flags at scale 16) rather than lengthen it.
        text_table(view, row_names=False, height=600 if len(view) > 12 else "content")
    else:
        shared_table(view, hide_index=True, column_order=shown, column_config=config, height=height,
                     placeholder="n.d.")
    exported = [c for c in shown if c not in set(screen_only)]
    if export_rows is None:
        export_buttons(lambda: df[exported], basename, {c: labels[c] for c in exported}, key=key)
    else:
        export_buttons(lambda: export_rows()[exported], basename, {c: labels[c] for c in exported}, key=key)


def escaped_text(df: pd.DataFrame, row_names: bool = True) -> pd.DataFrame:
    """`df` as text_table shows it: every cell, header and row name Markdown-escaped."""
    if row_names and isinstance(df.index, pd.RangeIndex):
        df = df.set_index(df.columns[0])   # the first column names the row (no 0, 1, 2 column)
    shown = df.map(escape_md).rename(columns=escape_md, index=escape_md)
    shown.index.name = escape_md(df.index.name) if df.index.name else None
    return shown


def text_table(df: pd.DataFrame, row_names: bool = True, height: int | str = "content") -> None:
    """A static table of French text (st.table renders Markdown in every cell and header: each is
    escaped). Unlike st.dataframe it wraps long cells and fits the page's width, every column
    shown. `row_names`: the first column names the rows (else a plain table without index)."""
    st.table(store.shared(escaped_text, df, row_names), hide_index=not row_names, height=height)


def dataset_notes(notes: Iterable[dict]) -> None:
    """One 'À propos des données' expander per dataset (title, source, vintage, rhythm, caveats)."""
    for note in notes:
        dataset_note(**note)


@dataclass(frozen=True)
class TrajectoryText:
    """What one trajectory draws besides its chart, imported texts escaped for Markdown."""
    key: str
    heading: str
    caption: str


def trajectory_texts(items, names: dict) -> tuple[TrajectoryText, ...]:
    """The status line and caption of each indicator with a target (surfaces.targets.Tracked);
    `names`: INSEE code -> commune name, for a commune's own trajectory."""
    from ecotransition.core.trajectory import RULE

    texts = []
    for t in items:
        zone = "" if t.zone == "PMA" else f" ({escape_md(names.get(t.zone, t.zone))})"
        texts.append(TrajectoryText(f"trajectoire-{t.id}-{t.zone}",
                                    f"**{escape_md(t.label)}**{zone} : {escape_md(t.status_text)}",
                                    f"{escape_md(t.target_text)} · Source : {escape_md(t.source)} · {escape_md(RULE)}"))
    return tuple(texts)


def trajectories(figures, texts: tuple[TrajectoryText, ...], width: int | None = None) -> None:
    """Each indicator with a target: its chart against the path, its status in the indicator's
    unit and the rule (`texts`, from trajectory_texts). `width`: a fixed chart width in pixels
    (the printable fiche); shared figures are copied before it is set."""
    for fig, text in zip(figures, texts):
        with st.container(border=True):
            if width:
                import plotly.graph_objects as go
                fig = go.Figure(fig)
                fig.update_layout(width=width)
            st.plotly_chart(fig, key=text.key, width="content" if width else "stretch")
            st.markdown(text.heading)
            st.caption(text.caption)


def theme_trajectory_views(indicators: pd.DataFrame, series: pd.DataFrame, communes: pd.DataFrame,
                           zones: tuple[str, ...], theme: str | None) -> tuple[list, tuple[TrajectoryText, ...]]:
    """The figures and texts of theme_trajectories, built once per inputs (through store.shared)."""
    from ecotransition.surfaces import targets

    pairs = targets.with_figures(indicators, series, zones=zones, theme=theme)
    return ([f for _, f in pairs],
            trajectory_texts([t for t, _ in pairs], commune_names(communes)))


def theme_trajectories(theme: str | None, sel: Selection) -> None:
    """The trajectories of `theme` (None: every theme) for the Pôle and the selected area."""
    communes = store.query("communes_list", epci=None)
    zones = ["PMA", *([sel.epci] if sel.epci else []), *([sel.commune] if sel.commune else [])]
    if sel.commune and not sel.epci:
        zones += list(communes.loc[communes["code"] == sel.commune, "epci"])
    figures, texts = store.shared(theme_trajectory_views, store.query("indicators_zones"),
                                  store.query("indicator_series"), communes, tuple(dict.fromkeys(zones)), theme)
    if texts:
        st.subheader("Trajectoires vers les objectifs")
        trajectories(figures, texts)
