"""An accessibility audit of what a student sees, with axe-core injected by Playwright.

axe-core comes bundled in the PyPI package ``axe-playwright-python`` (its ``axe.min.js`` is read
from the installed package and evaluated in the page), so nothing is fetched at test time.

:func:`audit` runs the WCAG 2.1 A and AA rules on the page and splits what axe reports into two
lists, node by node:

- **ours**: nodes inside the course's own content — rendered markdown cells and cell outputs
  (charts, tables, exercise widgets, explorers, the progress panel);
- **interface**: everything else, which comes from JupyterLab's or Voilà's own interface (menus,
  toolbars, side bars, prompts). It is listed as known and not ours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
#: Where the course's own content sits on a JupyterLab or Voilà page: rendered markdown and the
#: outputs of code cells (widgets included).
OURS = ".jp-OutputArea-output, .jp-RenderedMarkdown, .jp-MarkdownOutput"
AXE_SECONDS = 240

_CLASSIFY_JS = """([targets, ours]) => targets.map((target) => {
    // a target is a list of selectors, one per nested document or shadow root
    let root = document, node = null;
    for (const part of target) {
        const sel = Array.isArray(part) ? part[part.length - 1] : part;
        node = root.querySelector(sel);
        if (!node) return false;
        root = node.shadowRoot || node.contentDocument || root;
    }
    return !!(node && node.closest(ours));
})"""


@dataclass
class Finding:
    """One axe rule broken at one element."""

    rule: str
    impact: str
    help: str
    target: str
    html: str

    def line(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} — {self.target} — {self.html[:160]}"


@dataclass
class Audit:
    """What axe found on one page, split into the course's content and the interface."""

    page: str
    ours: list[Finding] = field(default_factory=list)
    interface: list[Finding] = field(default_factory=list)

    def blocking(self) -> list[Finding]:
        """Serious or critical findings in the course's own content: these fail a test."""
        return [f for f in self.ours if f.impact in BLOCKING]

    @staticmethod
    def _counts(findings: list[Finding]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in findings:
            key = f"{f.rule} ({f.impact})"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> str:
        """A short report: rule ids and node counts, ours first, then the interface's."""
        lines = [f"axe on {self.page}: {len(self.ours)} in the course's content, "
                 f"{len(self.interface)} in the interface (known, not ours)"]
        lines += [f"  ours       {k}: {n}" for k, n in self._counts(self.ours).items()]
        lines += [f"  interface  {k}: {n}" for k, n in self._counts(self.interface).items()]
        return "\n".join(lines)

    def write(self, folder: Path) -> Path:
        """Write the full list (both parts) as JSON next to the test's screenshots."""
        folder.mkdir(exist_ok=True)
        name = self.page.replace("/", "_").replace(" ", "_")
        path = folder / f"a11y-{name}.json"
        data = {"page": self.page, "tags": WCAG_TAGS,
                "ours": [f.__dict__ for f in self.ours],
                "interface_known_not_ours": [f.__dict__ for f in self.interface]}
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        return path


def run_axe(page: Any) -> dict[str, Any]:
    """Inject the bundled axe-core into the page and run the WCAG 2.1 A/AA rules on it."""
    page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("(options) => axe.run(document, options)", options)


def audit(page: Any, name: str) -> Audit:
    """Audit the page as it is now and split the findings into ours and the interface's."""
    page.set_default_timeout(AXE_SECONDS * 1000)
    results = run_axe(page)
    result = Audit(name)
    for violation in results["violations"]:
        nodes = violation["nodes"]
        flags = page.evaluate(_CLASSIFY_JS, [[n["target"] for n in nodes], OURS])
        for node, is_ours in zip(nodes, flags, strict=True):
            finding = Finding(rule=violation["id"], impact=node.get("impact")
                              or violation.get("impact") or "unknown",
                              help=violation["help"], target=json.dumps(node["target"]),
                              html=node.get("html", ""))
            (result.ours if is_ours else result.interface).append(finding)
    return result
