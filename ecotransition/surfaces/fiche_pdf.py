"""The fiche commune as a PDF (A4 portrait), made on the server without a browser.

fpdf2 writes the document with the DejaVu fonts that matplotlib's wheel carries (embedded, so the
French spaces, accents and signs print anywhere); matplotlib (Agg) draws the charts. Nothing is
fetched and no system package is needed: `pip install -r requirements.txt` is enough.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from ecotransition.core import clock, fmt, trajectory
from ecotransition.core.labels import PMA_SHORT
from ecotransition.data.freshness import Note
from ecotransition.surfaces.fiche import LIST_MAX, Fiche

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
WIDTH = 190.0        # mm between the margins
GREEN, GREY, ACCENT = (26, 94, 32), (90, 90, 90), "#1a5e20"
HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 241, 233))   # the tables' header rows
DEMO_NOTE = ("⚠ Données de démonstration : le rapport d'activité 2023 ne donne que des totaux ; les chiffres "
             "marqués « démonstration » sont générés pour illustrer le tableau de bord.")


class _Doc(FPDF):
    def __init__(self, title: str, edition: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = f"{title} · Écotransition Artois — édition du {edition}"
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(True, margin=14)
        for style, file in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf")):
            self.add_font("DejaVu", style, str(FONTS / file))

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(*GREY)
        self.cell(WIDTH * 0.8, 4, self._footer_text)
        self.cell(WIDTH * 0.2, 4, f"page {self.page_no()}/{{nb}}", align="R")


def _chart_png(fiche: Fiche) -> bytes:
    """Two charts side by side: the taux de valorisation by year (commune, agglomeration, Pôle),
    and the 150 communes' taux with the commune marked."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.5, 2.3), dpi=150)
    pct = FuncFormatter(lambda v, _: fmt.percent(v, 1).replace("\u202f", " ").replace("\xa0", " "))
    styles = {fiche.name: dict(color=ACCENT, lw=2.2), fiche.epci: dict(color="#6a8caf", lw=1.4),
              PMA_SHORT: dict(color="#999999", lw=1.4, ls="--")}
    trend = fiche.uptake_trend.dropna(subset=["value"])
    for zone, style in styles.items():
        d = trend[trend["zone"] == zone]
        if not d.empty:
            left.plot(d["year"], d["value"], label=_mpl(zone), **style)
    left.set_title("Taux de valorisation solaire par année", fontsize=8)
    left.yaxis.set_major_formatter(pct)
    left.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    left.legend(fontsize=6.5, frameon=False)
    values = fiche.uptake_distribution.dropna().sort_values().reset_index(drop=True)
    right.bar(range(len(values)), values, width=1.0, color="#c9d6c3")
    own = fiche.uptake_distribution.get(fiche.code)
    if not fmt.is_missing(own):
        pos = int((values < own).sum())
        right.bar([pos], [own], width=2.5, color=ACCENT)
        right.annotate(_mpl(fiche.name), (pos, own), textcoords="offset points", xytext=(0, 4), ha="center", fontsize=6.5,
                       color=ACCENT)
    right.set_title(f"Taux des {len(values)} communes renseignées ({fiche.uptake_year or 'n.d.'})", fontsize=8)
    right.yaxis.set_major_formatter(pct)
    right.set_xticks([])
    for ax in (left, right):
        ax.tick_params(labelsize=6.5)
        ax.spines[["top", "right"]].set_visible(False)
    return _png(fig, bottom=0.1, top=0.88)


def _png(fig, bottom: float, top: float) -> bytes:
    # Fixed margins: tight_layout() would draw the figure once more to measure it.
    fig.subplots_adjust(left=0.07, right=0.99, bottom=bottom, top=top, wspace=0.2)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _mpl(text: str, width: int = 60) -> str:
    """Imported text for a matplotlib title: '$' would start a formula; long titles wrap."""
    return "\n".join(textwrap.wrap(str(text).replace("$", r"\$"), width)[:2])


def _heading(pdf: _Doc, text: str) -> None:
    if pdf.will_page_break(30):   # a heading never ends a page without what follows it
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_text_color(*GREEN)
    pdf.cell(WIDTH, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


class _Sources:
    """Sources as numbered notes ([1], [2] …) listed at the end: the tables stay narrow."""

    def __init__(self):
        self.numbers: dict[str, int] = {}

    def __call__(self, source: str) -> str:
        if not source or source == fmt.MISSING:
            return fmt.MISSING
        n = self.numbers.setdefault(source, len(self.numbers) + 1)
        return f"[{n}]"


def _figures(pdf: _Doc, fiche: Fiche, section, ref: _Sources) -> None:
    pdf.set_font("DejaVu", "", 7.5)
    widths = (74, 23, 23, 23, 34, 13)
    with pdf.table(col_widths=widths, width=WIDTH, line_height=3.6, padding=0.8,
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT"),
                   headings_style=HEADINGS, borders_layout="HORIZONTAL_LINES") as table:
        table.row(["Indicateur", fiche.name, fiche.epci, PMA_SHORT, "Période", "Source"])
        for line in section.lines:
            label = line.label + (f"\nrang : {line.rank}" if line.rank else "")
            table.row([label, line.commune, line.epci, line.pma, line.period, ref(line.source)])


def _listing(pdf: _Doc, section, ref: _Sources) -> None:
    pdf.set_font("DejaVu", "B", 7.5)
    pdf.cell(WIDTH, 4.5, section.listing_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 7)
    if section.listing.empty:
        pdf.set_text_color(*GREY)
        pdf.multi_cell(WIDTH, 3.6, section.empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        return
    shown = section.listing.head(LIST_MAX).assign(Source=lambda d: [ref(s) for s in d["Source"]])
    cols = list(shown.columns)
    weights = {"Lieu": 3, "Événement": 4, "Projet": 3.5, "Entreprise": 2.5, "Source": 0.7, "Date": 1.6}
    w = [weights.get(c, 1.2) for c in cols]
    widths = [WIDTH * x / sum(w) for x in w]
    with pdf.table(col_widths=widths, width=WIDTH, line_height=3.4, padding=0.6, headings_style=HEADINGS,
                   borders_layout="HORIZONTAL_LINES", text_align="LEFT") as table:
        table.row(cols)
        for row in shown.itertuples(index=False):
            table.row([str(v) for v in row])
    more = len(section.listing) - len(shown)
    if more > 0:
        pdf.set_text_color(*GREY)
        pdf.cell(WIDTH, 3.6, f"… et {more} autre{'s' if more > 1 else ''} : voir la fiche en ligne.",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)


def _goals_png(fiche: Fiche) -> bytes:
    """Each target's chart: the actual values, the straight path and its tolerance band."""
    goals = fiche.goals[:2]
    fig, axes = plt.subplots(1, len(goals), figsize=(7.5, 2.1), dpi=150, squeeze=False)
    for ax, t in zip(axes[0], goals):
        traj = t.traj
        years = list(range(traj.reference_year, traj.target_year + 1))
        path = [traj.expected(y) for y in years]
        band = trajectory.TOLERANCE * abs(traj.target - traj.reference)
        ax.fill_between(years, [p - band for p in path], [p + band for p in path], color="#dddddd")
        ax.plot(years, path, ls="--", color="#555555", lw=1.2, label=f"trajectoire {traj.period}")
        ax.plot([traj.target_year], [traj.target], marker="*", ms=10, color="#D55E00", ls="none", label="objectif")
        known = t.series.dropna(subset=["value"])
        ax.plot(known["year"], known["value"], marker="o", color="#0072B2", lw=2, label="valeur constatée")
        ax.set_title(_mpl(t.label + (" (démonstration)" if traj.demo else ""), 60 // len(goals)), fontsize=7.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=7))
        ax.tick_params(labelsize=6.5)
        ax.legend(fontsize=6, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    return _png(fig, bottom=0.12, top=0.86)


def _goals(pdf: _Doc, fiche: Fiche, ref: _Sources) -> None:
    """The targets set for the commune or its agglomeration: value, target, status, chart, rule."""
    _heading(pdf, "Objectifs et trajectoires")
    pdf.set_font("DejaVu", "", 7.5)
    if not fiche.goals:
        pdf.multi_cell(WIDTH, 3.6, f"Aucun objectif chiffré n'est enregistré pour {fiche.name} ni pour la {fiche.epci}.",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    with pdf.table(col_widths=(58, 14, 24, 30, 52, 12), width=WIDTH, line_height=3.6, padding=0.8,
                   headings_style=HEADINGS, borders_layout="HORIZONTAL_LINES", text_align="LEFT") as table:
        table.row(["Indicateur", "Zone", "Valeur", "Objectif", "Situation", "Source"])
        for t in fiche.goals:
            last = t.series.dropna(subset=["value"]).tail(1)
            value = (f"{fmt.with_unit(last['value'].iloc[0], t.unit)} ({int(last['year'].iloc[0])})"
                     if len(last) else fmt.MISSING)
            zone = fiche.name if t.zone == fiche.code else t.zone
            table.row([t.label, zone, value, t.target_text.split(" : ", 1)[1].split(" (")[0]
                       + (" (démonstration)" if t.traj.demo else ""), t.status_text, ref(t.source)])
    pdf.image(io.BytesIO(_goals_png(fiche)), w=WIDTH)
    pdf.set_font("DejaVu", "I", 7)
    pdf.multi_cell(WIDTH, 3.4, trajectory.RULE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(fiche: Fiche, edition: date | None = None, freshness: Sequence[Note] = ()) -> bytes:
    """The fiche as PDF bytes (A4 portrait, fonts embedded, French formats). `freshness`: the
    notes of `fiche.datasets` on the edition's day (data.freshness.notes), printed under the
    summary, a late dataset in bold (« Compteurs – mesures — En retard : dernière donnée le … »)."""
    edition_text = fmt.day(edition or clock.today())
    pdf = _Doc(f"Fiche commune {fiche.name} ({fiche.code})", edition_text)
    pdf.set_title(f"Fiche commune — {fiche.name} ({fiche.code})")
    pdf.set_author("Pôle Métropolitain de l'Artois — Écotransition Artois")
    pdf.set_lang("fr")
    pdf.add_page()

    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*GREY)
    pdf.cell(WIDTH, 4, "Écotransition Artois · Fiche commune", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(WIDTH, 8, fiche.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.multi_cell(WIDTH, 4.2, f"Code INSEE {fiche.code} · agglomération {fiche.epci} · {fiche.population} habitants"
                   f" · comparée à son agglomération et au Pôle métropolitain ({PMA_SHORT}) · édition du {edition_text}",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.multi_cell(WIDTH, 4.2, " ".join(fiche.summary), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    if fiche.demo:
        pdf.set_font("DejaVu", "I", 7)
        pdf.set_text_color(150, 90, 0)
        pdf.multi_cell(WIDTH, 3.5, DEMO_NOTE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    # A mayor reads the edition's date beside figures that may be years old: each dataset's own
    # « données au … », or that it is late (t12h finding 6).
    for note in freshness:
        pdf.set_font("DejaVu", "B" if note.late else "", 7.5)
        if note.late:
            pdf.set_text_color(150, 90, 0)
        pdf.multi_cell(WIDTH, 3.6, note.line + ("." if note.late else ""), new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                       align="L")
        pdf.set_text_color(0, 0, 0)

    ref = _Sources()
    for section in fiche.sections:
        _heading(pdf, section.title)
        _figures(pdf, fiche, section, ref)
        if section.note:
            pdf.set_font("DejaVu", "I", 7)
            pdf.cell(WIDTH, 3.6, section.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if section.title.startswith("Solaire"):
            pdf.image(io.BytesIO(_chart_png(fiche)), w=WIDTH)
        if section.listing_title:
            pdf.ln(0.8)
            _listing(pdf, section, ref)

    _goals(pdf, fiche, ref)
    _heading(pdf, "Sources et couverture")
    pdf.set_font("DejaVu", "", 7)
    for source, n in ref.numbers.items():
        pdf.multi_cell(WIDTH, 3.4, f"[{n}] {source}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    notes = fiche.coverage_notes
    pdf.ln(1)
    pdf.multi_cell(WIDTH, 3.4, "Couverture partielle — " + " · ".join(notes) + "." if notes else
                   "Couverture : toutes les communes pour chaque chiffre.", new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                   align="L")
    pdf.multi_cell(WIDTH, 3.4, "« n.d. » : donnée non disponible (jamais comptée comme zéro). Les chiffres de "
                   "l'agglomération et du Pôle suivent la même règle que le tableau de bord.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def file_name(fiche: Fiche) -> str:
    """'62498_Lens.pdf', 'Hénin-Beaumont' -> '62427_Henin-Beaumont.pdf' (ASCII, no separators)."""
    ascii_name = unicodedata.normalize("NFKD", fiche.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-") or "commune"
    return f"{fiche.code}_{slug}.pdf"

