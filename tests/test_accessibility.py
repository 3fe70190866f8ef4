"""Accessibility of the course's widgets, checked without a browser.

Every control a student can reach has a name (its description, which ipywidgets shows as its
label and a screen reader announces), and every exercise, explorer and progress panel carries the
access helper that lets JupyterLab hand the keys to the course's controls and names sliders. The
browser tests (tests/browser/test_accessibility_in_browser.py, test_keyboard_in_jupyterlab.py)
check the same in JupyterLab and Voilà with axe-core and the keyboard.
"""

from __future__ import annotations

import html
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as w
import pandas as pd
import pytest

from helpers import display, explore
from helpers.errors import UsageError
from helpers.exercises import session
from helpers.exercises.bank import load_bank
from helpers.exercises.widgets import ExerciseWidget, ProgressWidget
from helpers.paths import PROJECT_DIR
from helpers.plots import finish, new_figure

ALL_IDS = sorted(load_bank().exercises)


@pytest.fixture(autouse=True)
def fresh_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFG_COURSE_PROGRESS", str(tmp_path / "progress.json"))
    session.reset()
    yield
    session.reset()


def walk(widget: w.Widget) -> list[w.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(walk(child))
    return found


def controls(widget: w.Widget) -> list[w.Widget]:
    """Every widget a student can operate: buttons and value widgets that are not read-only text."""
    return [node for node in walk(widget)
            if isinstance(node, w.Button | w.ValueWidget)
            and not isinstance(node, w.HTML | w.HTMLMath | w.Label)]


def unlabelled(widget: w.Widget) -> list[str]:
    return [type(node).__name__ for node in controls(widget) if not node.description.strip()]


def helpers_in(widget: w.Widget) -> list[w.Widget]:
    return [node for node in walk(widget) if "course-access-helper" in node._dom_classes]


@pytest.mark.parametrize("exercise_id", ALL_IDS)
def test_every_exercise_control_is_named_and_helped(exercise_id: str) -> None:
    widget = ExerciseWidget(load_bank().exercises[exercise_id])
    assert unlabelled(widget.box) == []
    if widget.exercise.kind != "data":
        assert controls(widget.box), "an exercise with nothing to operate"
    assert len(helpers_in(widget.box)) == 1


def test_progress_panel_controls_are_named_and_helped() -> None:
    panel = ProgressWidget()
    assert len(controls(panel.box)) >= 5
    assert unlabelled(panel.box) == []
    assert len(helpers_in(panel.box)) == 1
    assert "<th scope='col'>" in panel.table.value and "<th scope='row'>" in panel.table.value


def test_timeline_explorer_and_date_slider_are_named(small_timeline: pd.DataFrame) -> None:
    explorer = explore.timeline_explorer(small_timeline, 2001, 2021)
    assert {type(c).__name__ for c in controls(explorer.box)} >= {"Dropdown", "IntRangeSlider"}
    assert unlabelled(explorer.box) == []
    assert len(helpers_in(explorer.box)) == 1
    slider = explore.date_slider(["2021-08-15", "2021-08-31"], "Day")
    assert slider.description == "Day"


def test_an_explorer_refuses_an_unnamed_control() -> None:
    def draw(n: int) -> object:
        fig, ax = new_figure()
        ax.plot(range(n))
        return finish(fig, source="Test [X]", alt=f"A line of {n} points.")

    with pytest.raises(UsageError, match="'n' has no description"):
        explore.chart_explorer(draw, {"n": w.IntSlider(value=2, min=1, max=5)})
    with pytest.raises(UsageError, match="'n' has no description"):
        explore.chart_explorer(draw, {"n": w.IntSlider(value=2, min=1, max=5, description=" ")})


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        self.scripts += tag == "script"


def test_access_helper_is_one_hidden_decorative_image_running_the_script() -> None:
    parser = _Images()
    parser.feed(display.ACCESS_HELPER_HTML)
    assert parser.scripts == 0 and len(parser.images) == 1
    image = parser.images[0]
    assert image["alt"] == "" and "hidden" in image
    # the browser decodes the attribute back to exactly the script
    assert image["onerror"] == display._GUARD_JS
    assert html.escape(display._GUARD_JS, quote=True) in display.ACCESS_HELPER_HTML
    script = display._GUARD_JS
    assert script.count("(") == script.count(")") and script.count("{") == script.count("}")
    assert "stopPropagation" in script and "aria-label" in script


def test_access_helper_covers_every_area_the_helpers_build() -> None:
    """Each class the helpers give a widget with controls is an area the helper looks after."""
    areas = {a.strip().lstrip(".") for a in display.CONTROL_AREAS.split(",")}
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in (PROJECT_DIR / "helpers").rglob("*.py"))
    boxes = set(re.findall(r"box\.add_class\(\"(course-[a-z-]+)\"\)", source))
    assert boxes, "no widget classes found in helpers/"
    assert boxes <= areas, boxes - areas


HEADING = re.compile(r"^(#{1,6})\s")


def heading_levels(notebook: Path) -> list[int]:
    """The levels of a notebook's markdown headings, in order (code fences skipped)."""
    import nbformat

    levels: list[int] = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        fenced = False
        for line in cell.source.splitlines():
            if line.strip().startswith("```"):
                fenced = not fenced
            elif not fenced and (found := HEADING.match(line)):
                levels.append(len(found.group(1)))
    return levels


@pytest.mark.parametrize("notebook", sorted((PROJECT_DIR / "notebooks").glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.name)
def test_notebook_headings_are_in_order(notebook: Path) -> None:
    """One title (h1) first, and no level skipped on the way down (h2 then h4)."""
    levels = heading_levels(notebook)
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert skips == [], skips


def test_helpers_write_no_headings_that_could_break_the_order() -> None:
    """Outputs sit inside a notebook's sections (h2): a heading they write is at most an h3.

    The static site and the class report write whole pages of their own, not notebook outputs,
    so their h1 and h2 are left out of this check.
    """
    pages = {"site.py", "class_report.py"}
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in (PROJECT_DIR / "helpers").rglob("*.py") if p.name not in pages)
    assert re.findall(r"<h[124-6][ >]", source) == []
