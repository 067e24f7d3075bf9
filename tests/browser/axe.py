"""axe-core in the browser tests (issue 11 item 2: WCAG 2.2 AA).

``assert_accessible(page)`` runs Deque's axe-core (the npm package pinned in package.json,
installed into node_modules/ by scripts/test) on the page as it is shown and fails listing every
serious or critical violation: rule id, the elements (CSS targets) and axe's help text.

The portal sends a strict Content-Security-Policy (django-csp, ``script-src 'self'``, no inline
script), so ``page.add_script_tag(path=...)`` - an inline <script> - is refused by the page. The
library is evaluated through the DevTools protocol instead (``page.evaluate``), which CSP does
not govern; the page under test keeps its real policy (no ``bypass_csp``), so a page that only
works without CSP would still be caught by the journey it belongs to.
"""

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices (landmarks, one h1...): only serious
# and critical results fail, whatever rule group reports them.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise AssertionError(
            f"{AXE_JS} is missing: run `npm ci --no-audit --no-fund` at the repository root "
            "(scripts/test does it)"
        )
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """Every axe violation on the page as shown now (all impacts)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async (tags) => {
            const r = await window.axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                      resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }""",
        TAGS,
    )
    return result


def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical axe-core violation of the page as shown now."""
    page.wait_for_load_state("load")
    bad = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    if bad:
        lines = [f"axe-core: {len(bad)} serious/critical violation(s) on {page.url}"]
        for v in bad:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines.extend(f"    {target}" for target in v["targets"][:10])
        raise AssertionError("\n".join(lines))
