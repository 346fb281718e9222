"""Accessibility checks (axe-core) on the app's pages, separating our content from Streamlit's chrome."""

from __future__ import annotations

# Streamlit's own widgets that our code does not render: their violations are reported,
# not counted against our pages.
STREAMLIT_CHROME = [
    '[data-testid="stSidebarNav"]',
    '[data-testid="stSidebarHeader"]',
    '[data-testid="stHeader"]',
    '[data-testid="stToolbar"]',
    '[data-testid="stDecoration"]',
    '[data-testid="stStatusWidget"]',
]
BLOCKING = ("serious", "critical")


def split_violations(violations: list[dict]) -> tuple[list[dict], list[dict]]:
    """(ours, streamlit's): a violation is Streamlit's when every node lies in its chrome."""
    ours, theirs = [], []
    for v in violations:
        in_chrome = [n for n in v.get("nodes", []) if n.get("_in_chrome")]
        (theirs if len(in_chrome) == len(v.get("nodes", [])) else ours).append(v)
    return ours, theirs


def summarise(violations: list[dict]) -> list[tuple[str, str, int]]:
    return [(v["id"], v.get("impact") or "", len(v.get("nodes", []))) for v in violations]


MARK_CHROME_JS = """(selectors) => {
  // axe reports CSS targets; tag the nodes inside Streamlit's chrome so results can be split.
  for (const s of selectors) {
    document.querySelectorAll(s).forEach(root => {
      root.setAttribute('data-a11y-chrome', '1');
      root.querySelectorAll('*').forEach(n => n.setAttribute('data-a11y-chrome', '1'));
    });
  }
}"""


def mark_nodes(page, violations: list[dict]) -> None:
    """Flag each violation node that is inside Streamlit's chrome (node['_in_chrome'])."""
    for v in violations:
        for node in v.get("nodes", []):
            target = node.get("target") or []
            selector = target[0] if target and isinstance(target[0], str) else None
            inside = False
            if selector:
                try:
                    inside = bool(page.evaluate(
                        "(s) => { const n = document.querySelector(s); return !!(n && n.closest('[data-a11y-chrome]')); }",
                        selector,
                    ))
                except Exception:  # noqa: BLE001 - an unusual selector: count it as ours
                    inside = False
            node["_in_chrome"] = inside
