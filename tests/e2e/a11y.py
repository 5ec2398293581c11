"""axe-core in the browser tests, and the page-level horizontal overflow.

axe-core comes from the ``axe-playwright-python`` package (a dev dependency), which bundles ``axe.min.js``. Its
source is given to ``page.evaluate``, which the page's Content-Security-Policy does not govern (a script tag
would be refused by ``script-src 'self'``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from playwright.sync_api import Page

#: The WCAG 2.0, 2.1 and 2.2 rules of levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_SOURCE = (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
#: Rules whose "needs review" results count as violations here. axe leaves an ``aria-label`` on an element of no
#: role for review when the element has text of its own; screen readers ignore such a label all the same.
DEFINITE_WHEN_INCOMPLETE = frozenset({"aria-prohibited-attr"})
#: How many of a rule's elements a report names (the count says how many there are).
TARGETS_SHOWN = 5


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG A/AA violations on the page as it is now (axe is loaded into the page first if needed), and
    its "needs review" results of the rules in :data:`DEFINITE_WHEN_INCOMPLETE`."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results: dict[str, Any] = page.evaluate("(options) => window.axe.run(document, options)", options)
    violations: list[dict[str, Any]] = results["violations"]
    return violations + [found for found in results["incomplete"] if found["id"] in DEFINITE_WHEN_INCOMPLETE]


def describe(violations: list[dict[str, Any]], where: str) -> str:
    """One paragraph per violated rule: where, the rule's id, impact and help, and the elements' selectors."""
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        targets = [" ".join(map(str, node["target"])) for node in nodes[:TARGETS_SHOWN]]
        more = f" (+{len(nodes) - TARGETS_SHOWN})" if len(nodes) > TARGETS_SHOWN else ""
        lines.append(f"{where}: {violation['id']} [{violation['impact']}] {violation['help']} ×{len(nodes)}")
        lines.extend(f"    {target}" for target in targets)
        if more:
            lines.append(f"    …{more}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Overflow:
    """The page's width against the window's: more than the window means a sideways scroll of the whole page."""

    scroll_width: int
    inner_width: int
    #: The elements whose right edge is beyond the window, outermost first (a few, for the report).
    culprits: tuple[str, ...]

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.inner_width


OVERFLOW_SCRIPT = """
() => {
  const width = window.innerWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (culprits.length >= 5) break;
    const right = el.getBoundingClientRect().right;
    const parent = el.parentElement;
    const parentFits = parent === document.body || parent.getBoundingClientRect().right <= width;
    if (right > width + 0.5 && parentFits) culprits.push(name(el) + " " + Math.round(right) + "px");
  }
  return [document.documentElement.scrollWidth, width, culprits];
}
"""


def overflow(page: Page) -> Overflow:
    """The page's width once it is styled: after its ``load`` event (its stylesheets have arrived; a test that
    waited only for some text can be there before them) and its fonts."""
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    scroll_width, inner_width, culprits = page.evaluate(OVERFLOW_SCRIPT)
    return Overflow(int(scroll_width), int(inner_width), tuple(culprits))
