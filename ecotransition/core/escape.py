"""One escaping helper per rendering target, for every imported or user-provided string.

- `markdown`: st.markdown, st.caption, st.metric labels and help, pills, st.table cells,
  messages: no link, autolink, HTML, formula or formatting survives; the text reads as given.
- `html`: HTML written by us (folium popups and tooltips, the screen's slides, legends):
  `<`, `>`, `&` and both quotes become entities.
- `plotly`: plotly labels, titles, legends, category ticks and hover texts. Plotly draws a
  subset of HTML there (<b>, <i>, <br>, entities); quotes are not markup in that subset.

None becomes "" everywhere (the caller decides how a missing value reads, e.g. « n.d. »).
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$"})
# GitHub-flavoured Markdown links a bare "http://…", "www.…" or e-mail address even when its
# punctuation is escaped: an invisible word joiner (U+2060) inside the word breaks the pattern.
_AUTOLINK = re.compile(r"(?i)(?<=h)(?=ttps?:)|(?<=f)(?=tp:)|(?<=w)(?=ww\.)|(?<=@)")
# Streamlit's own Markdown directives start with a colon: « :red[texte] », « :blue-background[…] »,
# « :material/home: », emoji shortcodes « :smile: ». A backslash does not stop the shortcodes (they
# are replaced in the text after parsing): a word joiner after the colon breaks every one.
_DIRECTIVE = re.compile(r"(?<=:)(?=[\w/+-])")


def markdown(text) -> str:
    """Text for Streamlit's Markdown (captions, labels, help, pills, tables): literal.

    `&` is written as an entity first so that "&quot;" in the data reads "&quot;", not `"`;
    Markdown punctuation gets a backslash; autolinks and Streamlit's colon directives (colours,
    icons, emoji) are broken by a word joiner (invisible).
    """
    if text is None:
        return ""
    text = _DIRECTIVE.sub("\u2060", _AUTOLINK.sub("\u2060", _html.escape(str(text), quote=False)))
    return text.translate(_MD_SPECIAL)


def html(text) -> str:
    """Text for an HTML element or attribute value that we write ourselves."""
    if text is None:
        return ""
    return _html.escape(str(text), quote=True)


def plotly(text) -> str:
    """Text for a plotly label, legend entry, category or hover text (templates included: a
    "%{" in the data is broken by a word joiner, or plotly would substitute a value there)."""
    if text is None:
        return ""
    return _html.escape(str(text), quote=False).replace("%{", "%\u2060{")


# Characters that draw nothing and are not format characters (Unicode's default ignorables that
# are not Cf — U+034F, Hangul fillers, Khmer U+17B4-5, Mongolian and other variation selectors — and
# the Braille blank U+2800): as ranges of code points (the imports' macros write them for RE2).
BLANK_RANGES = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2800, 0x2800),
                (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0100, 0xE01EF))


def draws_nothing(c: str) -> bool:
    """Whether character `c` shows nothing: a format or control character (a tab aside), or one of
    BLANK_RANGES. Imports remove them and quote them as code points; a password of them is empty."""
    return (unicodedata.category(c) in ("Cf", "Cc") and c != "\t") or any(a <= ord(c) <= b for a, b in BLANK_RANGES)


def visible(value: str) -> str:
    """A text quoted in a message with every character that does not show written as its code point
    (format characters — direction overrides and isolates, zero-width spaces —, controls but the tab,
    the blanks the import removes, BLANK_RANGES), so that « Bal<U+200B>ade » shows why it differs and
    a right-to-left override never turns the rest of the message around (t14h finding 8). The one
    helper for file or setting text in refusal messages (imports' Issue.__str__, the anomaly settings)."""
    return "".join(f"<U+{ord(c):04X}>" if draws_nothing(c) else c for c in value)
