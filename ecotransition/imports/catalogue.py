"""The data catalogue of /donnees: what each dataset holds, and where data is missing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ecotransition.core import fmt
from ecotransition.core.labels import plural
from ecotransition.core.plotting import style
from ecotransition.data import registry

# Heatmap levels: nothing, demonstration rows only, real rows (report, open data, imports).
ABSENT, DEMO_ONLY, REAL = 0, 1, 2
LEVEL_LABELS = {ABSENT: "aucune donnée", DEMO_ONLY: "démonstration seulement", REAL: "données réelles"}
LEVEL_COLORS = {ABSENT: "#E5E5E5", DEMO_ONLY: "#E69F00", REAL: "#009E73"}
STATUS_LABELS = {"chargé": "chargé", "refusé": "refusé", "inchangé": "inchangé", "restauré": "restauré"}


label = registry.label


def datasets(query) -> pd.DataFrame:
    """catalogue_datasets for every importable dataset of the registry, in its order.

    `query(name, **params)`: store.query in the app, sql.run on a connection in tests."""
    return pd.concat([query("catalogue_datasets", table=t) for t in registry.IMPORTABLE], ignore_index=True)


def completeness(query, epci: str | None) -> pd.DataFrame:
    """catalogue_completeness of every dataset located by commune, in the registry's order."""
    return pd.concat([query("catalogue_completeness", table=t, epci=epci) for t in registry.BY_COMMUNE],
                     ignore_index=True)


def completeness_levels(long: pd.DataFrame) -> pd.DataFrame:
    """Communes (rows, in the query's order) × datasets (columns): ABSENT, DEMO_ONLY or REAL."""
    if long.empty:
        return pd.DataFrame()
    level = np.where(long["real_rows"] > 0, REAL, np.where(long["rows"] > 0, DEMO_ONLY, ABSENT))
    frame = long.assign(level=level)
    order = list(dict.fromkeys(frame["dataset"]))
    communes = list(dict.fromkeys(frame.loc[frame["dataset"] == order[0], "code"]))
    wide = frame.pivot(index="code", columns="dataset", values="level")
    return wide.loc[communes, order]


def coverage(long: pd.DataFrame) -> pd.DataFrame:
    """Per dataset: communes with any row, with real rows, and without any row."""
    if long.empty:
        return pd.DataFrame(columns=["dataset", "communes_any", "communes_real", "communes_missing"])
    g = long.groupby("dataset", sort=False)
    out = pd.DataFrame({
        "communes_any": g["rows"].apply(lambda s: int((s > 0).sum())),
        "communes_real": g["real_rows"].apply(lambda s: int((s > 0).sum())),
        "communes_total": g.size(),
    }).reset_index()
    out["communes_missing"] = out["communes_total"] - out["communes_any"]
    return out


def completeness_figure(long: pd.DataFrame) -> go.Figure:
    """Heatmap datasets × communes: grey where a commune has no row, orange where it only has
    demonstration rows, green where it has real data. Hover names the commune."""
    levels = completeness_levels(long)
    fig = go.Figure()
    if levels.empty:
        return style(fig, height=200)
    names = long.drop_duplicates("code").set_index("code")
    counts = long.set_index(["code", "dataset"])
    x = [f"{names.at[c, 'name']} ({c})" for c in levels.index]
    y = [label(d) for d in levels.columns]
    z = levels.to_numpy().T.astype(float)
    def said(n, one: str) -> str:
        return f"{fmt.number(n)} {plural(int(n), one)}"

    hover = [[f"{names.at[c, 'name']} ({names.at[c, 'epci']})<br>{label(d)} : "
              f"{said(counts.at[(c, d), 'rows'], 'ligne')}, dont {said(counts.at[(c, d), 'real_rows'], 'réelle')}"
              for c in levels.index] for d in levels.columns]
    scale = []
    for k in (ABSENT, DEMO_ONLY, REAL):
        scale += [[k / 3, LEVEL_COLORS[k]], [(k + 1) / 3, LEVEL_COLORS[k]]]
    fig.add_trace(go.Heatmap(
        z=z, x=x, y=y, zmin=-0.5, zmax=2.5, colorscale=scale, xgap=1, ygap=2,
        hovertext=hover, hoverinfo="text",
        colorbar=dict(tickvals=[0, 1, 2], ticktext=[LEVEL_LABELS[k] for k in (ABSENT, DEMO_ONLY, REAL)],
                      title=None, thickness=12, len=0.9),
    ))
    # Agglomeration boundaries, so the strip reads as three blocks.
    epcis = [names.at[c, "epci"] for c in levels.index]
    start = 0
    for k in range(1, len(epcis) + 1):
        if k == len(epcis) or epcis[k] != epcis[start]:
            fig.add_annotation(x=(start + k - 1) / 2, y=1.0, yref="paper", yanchor="bottom",
                               text=f"<b>{epcis[start]}</b> ({k - start})", showarrow=False)
            if k < len(epcis):
                fig.add_vline(x=k - 0.5, line_width=2, line_color="#333333")
            start = k
    fig.update_xaxes(showticklabels=len(x) <= 40, tickangle=-60, tickfont=dict(size=10))
    fig.update_yaxes(autorange="reversed")
    return style(fig, height=160 + 42 * len(y))


def catalogue_table(datasets: pd.DataFrame, long: pd.DataFrame, fresh: dict | None = None,
                    flags: dict[str, str] | None = None) -> pd.DataFrame:
    """The catalogue as shown: French labels, counts, sources, last import, commune coverage,
    freshness against the registry's rhythm (`fresh`: dataset -> data.freshness.Freshness) and
    the anomaly flags of a dataset (`flags`: dataset -> '152 jours-canaux signalés sur …')."""
    fresh, flags = fresh or {}, flags or {}
    cov = coverage(long).set_index("dataset") if not long.empty else pd.DataFrame()
    rows = []
    for r in datasets.itertuples(index=False):
        covered = (f"{int(cov.at[r.dataset, 'communes_any'])} / {int(cov.at[r.dataset, 'communes_total'])}"
                   if r.dataset in cov.index else "—")
        rows.append({
            "Jeu de données": label(r.dataset),
            "Lignes": fmt.number(r.rows),
            "dont démonstration": fmt.number(r.demo_rows),
            "Communes couvertes": covered,
            "Dernier chargement": fmt.day(r.last_loaded) if not pd.isna(r.last_loaded) else "jamais",
            "Dernière tentative": (f"{fmt.day(r.last_attempt)} ({STATUS_LABELS.get(r.last_status, r.last_status)})"
                                   if not pd.isna(r.last_attempt) else "—"),
            "Fraîcheur": fresh[r.dataset].status if r.dataset in fresh else "—",
            "Anomalies signalées": flags.get(r.dataset, "—"),
            "Sources": r.sources or "—",
            "Nom technique": r.dataset,
        })
    return pd.DataFrame(rows)


def history_table(history: pd.DataFrame, public: bool = False) -> pd.DataFrame:
    """The imports log as shown on the page (French column names, readable dates).

    `public`: without the file name, the message (a refusal quotes the file's cells) and the
    digest, for visitors who are not logged-in staff."""
    out = pd.DataFrame({
        "Date": [t.strftime("%d/%m/%Y %H:%M:%S") if not pd.isna(t) else "" for t in history["imported_at"]],
        "Jeu de données": [label(d) for d in history["dataset"]],
        "Fichier": history["file_name"],
        "Statut": history["status"],
        "Lues": history["rows_read"],
        "Chargées": history["rows_loaded"],
        "Rejetées": history["rows_rejected"],
        "Message": history["message"],
        "SHA-256": history["sha256"].map(lambda s: s[:12] + "…" if isinstance(s, str) else ""),
    })
    return out.drop(columns=["Fichier", "Message", "SHA-256"]) if public else out


def backups_table(backups) -> pd.DataFrame:
    return pd.DataFrame([{"Date": f"{b.taken_at:%d/%m/%Y %H:%M:%S}", "Avant l'import": label(b.before),
                          "Taille": f"{fmt.number(b.size / 2**20, 1)} Mio"} for b in backups])


def report_parts(message: str) -> tuple[str, list[str]]:
    """A refusal message split into its first sentence and its list of problems."""
    lines = message.splitlines() or [""]
    return lines[0], [line[2:] if line.startswith("- ") else line for line in lines[1:]]
