"""Every imported string is rendered as text on every page, in a real browser.

Hostile strings are imported (through the import command, as staff would) into an indicator's
label, unit, note and source, an event's title, place and theme, an investment's name, company,
sector and status, a park site's name and kind, and a counter site's name. Then every page is
opened in Chromium and checked: no link to the hostile site, no image or script from the data,
no formula, no markup drawn (bold in Markdown or in plotly's SVG), no HTML entity shown instead
of its character, in the page and in its frames (the map, the screen's slides)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import offline_page, start_server, stop_server, wait_ready
from ecotransition.imports import LOADED, import_file

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# One string with each kind of markup a renderer may interpret (no ';' : the files are ';'-separated).
H = ('[lien](http://evil.example) **gras** <b>balise</b> :red[rouge] :smile: :material/home: '
     '<img src=x onerror="window.__pwned=1"> $x^2$ "guillemets" l\'apostrophe www.evil.example %{y}')

PROBLEMS_JS = """() => {
  const out = [];
  // Drawn text only: a map's data sits JSON-encoded in its <script>, which is not rendered.
  const innermost = (doc, word) => [...doc.querySelectorAll('body *')].filter(
      el => !el.closest('script, style, template, noscript') && el.textContent.includes(word)
            && ![...el.children].some(c => c.textContent.includes(word)));
  const check = (doc, where) => {
    for (const el of innermost(doc, 'balise'))
      if (!el.textContent.includes('<b>balise</b>')) out.push(where + ': markup drawn: ' + el.outerHTML.slice(0, 120));
    // Streamlit's colon directives (colour, emoji, icon) drawn: the text around them is gone.
    for (const el of innermost(doc, 'balise'))
      if (el.textContent.includes('<b>balise</b>')
          && !el.textContent.replace(/\u2060/g, '').includes('<b>balise</b> :red[rouge] :smile: :material/home:'))
        out.push(where + ': directive drawn: ' + el.textContent.slice(0, 160));
    for (const el of innermost(doc, 'gras'))
      if (!el.textContent.includes('**gras**')) out.push(where + ': Markdown drawn: ' + el.outerHTML.slice(0, 120));
    for (const el of innermost(doc, 'guillemets'))
      if (/&(quot|#x27|#39|amp|lt|gt);/.test(el.textContent)) out.push(where + ': entity shown: ' + el.textContent.slice(0, 120));
    doc.querySelectorAll('a[href*="evil"]').forEach(a => out.push(where + ': link to ' + a.href));
    doc.querySelectorAll('img[src="x"]').forEach(() => out.push(where + ': image from the data'));
    doc.querySelectorAll('.katex, math').forEach(() => out.push(where + ': formula'));
    if (doc.defaultView && doc.defaultView.__pwned) out.push(where + ': the data ran a script');
  };
  check(document, 'page');
  document.querySelectorAll('iframe').forEach((f, i) => {
    try { if (f.contentDocument && f.contentDocument.body) check(f.contentDocument, 'frame ' + i); } catch (e) {}
  });
  return out;
}"""

def test_streamlit_directives_in_imported_text_are_broken_invisibly():
    from ecotransition.core import escape

    got = escape.markdown("A :red[rouge] :smile: :material/home: :blue-background[bleu] 10:30")
    assert ":r" not in got and ":s" not in got and ":m" not in got and ":b" not in got
    assert got.replace("\u2060", "").replace("\\", "") == "A :red[rouge] :smile: :material/home: :blue-background[bleu] 10:30"


FILES = {
    "indicators": ("id;annee;libelle;valeur;unite;theme;sens;zone;note;source\n"
                   f"emplois_annonces;2023;{H};4000;{H};Investissements;hausse;PMA;{H};{H}\n"
                   f"evenements_hostile;2024;{H};12;{H};Événements;hausse;PMA;{H};{H}\n"),
    "events": ("titre;date_debut;date_fin;lieu;code_commune;theme;participants;lat;lon\n"
               f"{H};14/09/2024;14/09/2024;{H};62498;{H};120;;\n"),
    "investments": ("nom;entreprise;secteur;code_commune;montant_eur;emplois;statut;annee_annonce;lat;lon\n"
                    f"{H};{H};{H};62498;12500000;85;{H};2024;;\n"),
    "park_sites": ("id;nom;code_commune;lat;lon;surface_ha;type\n"
                   f"parc-hostile;{H};62498;;;12,5;{H}\n"),
}


@pytest.fixture(scope="module")
def hostile_server(built_db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "eco.duckdb"
    db.write_bytes(built_db.read_bytes())
    for dataset, text in FILES.items():
        f = tmp / f"{dataset}.csv"
        f.write_text(text, encoding="utf-8")
        result = import_file(dataset, f, db)
        assert result.status == LOADED, (dataset, result.message)
    proc, url = start_server(db)
    yield url
    stop_server(proc)


@pytest.mark.parametrize("path", ["/", "/investissements", "/solaire", "/chaine-des-parcs",
                                  "/evenements?annee=2024", "/carte?couche=evenements",
                                  "/commune?code=62498", "/donnees",
                                  "/ecran?diapos=evenements,investissements,chiffres"])
def test_imported_text_stays_text_on_every_page(hostile_server, browser, path):
    outside: list[str] = []
    page = offline_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(hostile_server + path)
    wait_ready(page, 90_000)
    page.wait_for_timeout(1500)   # plotly and Leaflet draw after the run ends
    if path.startswith(("/investissements", "/evenements", "/commune")):   # shown as page text there
        assert "<b>balise</b>" in page.evaluate("() => document.body.innerText")
    problems = page.evaluate(PROBLEMS_JS)
    page.screenshot(path=str(ARTIFACTS / f"hostile{path.split('?')[0].replace('/', '_') or '_'}.png"), full_page=True)
    assert problems == []
    page.context.close()
