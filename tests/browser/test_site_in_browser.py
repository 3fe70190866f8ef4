"""The static site, opened from the file system in Chromium with no network at all.

The site is built once per session into a temporary folder (``python -m helpers.site``'s
:func:`helpers.site.build`). Every page is opened from ``file://`` with every request outside the
site's folder blocked; a page fails on any blocked request, console error, missing image, broken
internal link (file or anchor), or exercise whose question or options are missing, and lesson
pages must draw their saved widgets. Every page is also audited with axe-core (bundled in the PyPI
package axe-playwright-python, injected by Playwright: no network) for WCAG 2.1 A and AA, and must
have no violation of serious or critical impact.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from helpers.exercises.bank import load_bank
from helpers.paths import PROJECT_DIR
from helpers.site import build, js_cache_dir, page_list, read_lessons

from .a11y import BLOCKING, run_axe
from .conftest import VIEWPORT, save_screenshot

PAGES = page_list(read_lessons(), guide=(PROJECT_DIR / "docs" / "instructor-guide.md").is_file())
LESSONS = {page.filename: Path(page.source or "").stem for page in PAGES if page.kind == "lesson"}
WIDGET_SETTLE_MS = 20_000


@pytest.fixture(scope="session")
def site(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole site, built once into a temporary folder (its widget scripts come from npm)."""
    if shutil.which("npm") is None and not any(js_cache_dir().glob("*")):
        message = "the static site's first build needs npm (sudo apt-get install nodejs npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; in CI it must run", pytrace=False)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("site") / "site"
    build(out)
    return out


@pytest.fixture(scope="session")
def anchors(site: Path) -> dict[str, set[str]]:
    """The ids each built page defines, for checking links to anchors in other pages."""
    found = {}
    for path in site.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found[path.name] = {html.unescape(m) for m in re.findall(r'\sid="([^"]*)"', text)}
    return found


@pytest.fixture
def offline_page(browser: Any, site: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page that may load only files inside the site's folder; it records what went wrong."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    prefix = site.resolve().as_uri() + "/"
    pg.blocked = []
    pg.console_errors = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(prefix) or url.startswith("data:"):
            route.continue_()
        else:
            pg.blocked.append(url)
            route.abort()

    pg.route("**/*", guard)
    pg.on("request", lambda req: None if req.url.startswith((prefix, "data:"))
          else pg.blocked.append(req.url))
    pg.on("console", lambda msg: pg.console_errors.append(msg.text) if msg.type == "error"
          else None)
    pg.on("pageerror", lambda exc: pg.console_errors.append(f"page error: {exc}"))
    pg.site_prefix = prefix
    try:
        yield pg
    finally:
        try:
            save_screenshot(pg, request, full_page=False)
        finally:
            context.close()


def open_page(pg: Any, site: Path, filename: str) -> None:
    pg.goto((site / filename).resolve().as_uri(), wait_until="load")
    views = pg.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if views:
        # the HTML manager replaces nothing: it adds the rendered widget next to each view script
        pg.wait_for_function(
            "n => document.querySelectorAll('.jupyter-widgets .lm-Widget').length >= n",
            arg=views, timeout=WIDGET_SETTLE_MS)
        pg.wait_for_timeout(500)


def _normal(text: str) -> str:
    text = re.sub(r"`", "", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def broken_links(pg: Any, site: Path, anchors: dict[str, set[str]], filename: str) -> list[str]:
    hrefs = pg.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    broken = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme in ("http", "https", "mailto"):
            continue  # external links are followed only when clicked
        if parts.scheme or parts.netloc:
            broken.append(f"{href} (not a relative link)")
            continue
        target = unquote(parts.path) or filename
        if not (site / target).is_file():
            broken.append(f"{href} (no file {target})")
            continue
        # a browser tries the fragment as written, then percent-decoded
        ids = anchors.get(target, set())
        fragment = parts.fragment
        if fragment and target.endswith(".html") and not {fragment, unquote(fragment)} & ids:
            broken.append(f"{href} (no anchor #{fragment} in {target})")
    return broken


@pytest.mark.parametrize("filename", [p.filename for p in PAGES])
def test_page_works_offline(offline_page: Any, site: Path, anchors: dict[str, set[str]],
                            filename: str) -> None:
    pg = offline_page
    open_page(pg, site, filename)
    assert pg.blocked == [], f"requests outside the site's folder: {pg.blocked}"
    assert pg.console_errors == []
    # the access helper (helpers.display.access_helper) is a hidden image that fails to load on
    # purpose: its onerror names the slider handles; it is not content
    missing = pg.eval_on_selector_all(
        "img:not(.course-access-helper)", "els => els.filter(e => !e.complete || e.naturalWidth === 0)"
               ".map(e => (e.getAttribute('src') || '').slice(0, 80))")
    assert missing == [], f"images that did not load: {missing}"
    assert pg.locator("img:not([alt])").count() == 0, "an image has no alt attribute"
    assert broken_links(pg, site, anchors, filename) == []
    # every page has the course contents and a previous or next link
    assert pg.locator("nav.site-contents a").count() == len(PAGES)
    assert pg.locator("a[rel=prev], a[rel=next]").count() >= 2


@pytest.mark.parametrize("filename", sorted(LESSONS))
def test_lesson_shows_every_exercise_question_and_its_saved_widgets(
        offline_page: Any, site: Path, filename: str) -> None:
    pg = offline_page
    open_page(pg, site, filename)
    boxes = [_normal(t) for t in pg.locator(".course-exercise-static").all_inner_texts()]
    source = (PROJECT_DIR / "notebooks" / f"{LESSONS[filename]}.ipynb").read_text("utf-8")
    shown = re.findall(r'show_exercise\(\s*\\?"([^"\\]+)', source)
    assert shown, "this lesson shows no exercise"
    bank = load_bank().exercises
    for exercise_id in shown:
        ex = bank[exercise_id]
        box = next((b for b in boxes if f"exercise {ex.id}".casefold() in b), None)
        assert box is not None, f"exercise {ex.id} is missing"
        assert _normal(ex.question)[:120] in box, f"exercise {ex.id}: question missing"
        for option in ex.options:
            assert _normal(option.text) in box, f"exercise {ex.id}: option {option.text!r}"
        assert "on this website you can read the exercise" in box
    views = pg.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if views:
        rendered = pg.locator(".jupyter-widgets .lm-Widget").filter(has=pg.locator(
            "select, input, button, .widget-slider, .widget-html-content")).first
        assert rendered.is_visible()


def test_some_lesson_draws_an_interactive_widget_from_saved_state(offline_page: Any,
                                                                  site: Path) -> None:
    pg = offline_page
    with_views = [name for name in sorted(LESSONS) if "widget-view+json" in
                  (site / name).read_text(encoding="utf-8")]
    assert with_views, "no lesson page has a saved widget"
    open_page(pg, site, with_views[0])
    controls = pg.locator(".jupyter-widgets select, .jupyter-widgets input, "
                          ".jupyter-widgets .widget-slider, .jupyter-widgets button")
    assert controls.count() > 0 and controls.first.is_visible()
    assert pg.blocked == [] and pg.console_errors == []


def serious_violations(pg: Any) -> list[str]:
    """Run axe-core on the page (WCAG 2.1 A and AA) and describe its serious/critical findings.

    Every node of a site page is the course's own, so nothing is set aside as the interface's.
    """
    found = []
    for violation in run_axe(pg)["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        targets = [" ".join(map(str, node["target"]))[:120] for node in violation["nodes"][:5]]
        found.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} "
                     f"nodes): {violation['help']} — {targets}")
    return found


@pytest.mark.parametrize("filename", [p.filename for p in PAGES])
def test_page_passes_axe_wcag21_aa(offline_page: Any, site: Path, filename: str) -> None:
    pg = offline_page
    open_page(pg, site, filename)
    assert serious_violations(pg) == []
