"""The static-site builder: reading the lessons, page order, links, notebook preparation, the
command line, and that no answer key or feedback ever reaches a built page.

The browser test (tests/browser/test_site_in_browser.py) opens the built site; these tests need
no browser and no network (the widget scripts are left out of the one build made here).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

import helpers.site as site
from helpers.exercises.audit import answer_texts
from helpers.exercises.bank import load_bank
from helpers.paths import PROJECT_DIR, notebooks_dir
from helpers.site import (
    Lesson,
    Page,
    SiteError,
    lessons_table,
    main,
    neighbours,
    objectives_of,
    page_list,
    prepare_notebook,
    read_lessons,
    referenced_models,
    resolve_href,
)

TABLE = """# Course

## The lessons

| № | Notebook | The question it answers | Time |
|---|---|---|---|
| 00 | [Start here](notebooks/00_start_here.ipynb) | How does it work? | 45 min |
| 01 | [Background](notebooks/01_background.ipynb) | How did it start? | 60 min |

## Quick start
"""


def test_lessons_table_reads_each_row() -> None:
    rows = lessons_table(TABLE)
    assert [(r.number, r.title, r.notebook, r.question, r.time) for r in rows] == [
        ("00", "Start here", "notebooks/00_start_here.ipynb", "How does it work?", "45 min"),
        ("01", "Background", "notebooks/01_background.ipynb", "How did it start?", "60 min")]
    assert rows[1].filename == "01_background.html"


def test_lessons_table_names_the_bad_line() -> None:
    bad = TABLE.replace("| 01 | [Background](notebooks/01_background.ipynb) |", "| 01 | Background |")
    with pytest.raises(SiteError, match=r"README.md, line 8: a lessons-table row needs four"):
        lessons_table(bad)
    with pytest.raises(SiteError, match="no '## The lessons' section"):
        lessons_table("# Course\n\nNo table here.\n")


def test_the_readme_table_lists_every_notebook_with_its_objectives() -> None:
    lessons = read_lessons()
    on_disk = sorted(f"notebooks/{p.name}" for p in notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    assert [lesson.notebook for lesson in lessons] == on_disk
    for lesson in lessons:
        assert lesson.question and lesson.time, lesson
        assert 3 <= len(lesson.objectives) <= 6, lesson.objectives
        first = nbformat.read(PROJECT_DIR / lesson.notebook, as_version=4).cells[0].source
        # each objective starts as a line of the notebook's own list, not retyped
        assert all(o.split()[0] in first for o in lesson.objectives)


def test_objectives_join_continuation_lines_and_stop_at_the_blank_line() -> None:
    cells = [{"cell_type": "code", "source": "By the end"},
             {"cell_type": "markdown",
              "source": ["Intro.\n", "\n", "**By the end you can**\n", "\n", "1. say who\n",
                         "   signed;\n", "2. list the terms.\n", "\n", "Time: 45 min\n"]}]
    assert objectives_of(cells) == ("say who signed;", "list the terms.")
    with pytest.raises(SiteError, match=r"x\.ipynb: no numbered list of objectives"):
        objectives_of([{"cell_type": "markdown", "source": "By the end you can say it."}],
                      file="x.ipynb")


def _lessons(n: int) -> list[Lesson]:
    return [Lesson(f"0{i}", f"L{i}", f"notebooks/0{i}_l.ipynb", "q", "t") for i in range(n)]


def test_page_list_is_in_reading_order_and_the_guide_only_when_it_exists() -> None:
    names = [p.filename for p in page_list(_lessons(2), guide=False)]
    assert names == ["index.html", "00_l.html", "01_l.html", "data.html", "sources.html"]
    with_guide = page_list(_lessons(2), guide=True)
    assert with_guide[-1] == Page("guide.html", "Instructor guide", "guide",
                                  "docs/instructor-guide.md")


def test_neighbours_at_the_ends_and_in_the_middle() -> None:
    pages = page_list(_lessons(2), guide=False)
    assert neighbours(pages, "index.html") == (None, pages[1])
    assert neighbours(pages, "00_l.html") == (pages[0], pages[2])
    assert neighbours(pages, "sources.html") == (pages[3], None)
    with pytest.raises(SiteError, match=r"nope\.html is not a page"):
        neighbours(pages, "nope.html")


LINKS = {"notebooks/02_doha.ipynb": "02_doha.html", "data/README.md": "data.html",
         "data/sources.csv": "sources.html", "README.md": "index.html"}


@pytest.mark.parametrize(("href", "source", "expected"), [
    ("https://example.org/x", "data/README.md", "https://example.org/x"),
    ("#local", "data/README.md", "#local"),
    ("sources.csv", "data/README.md", "sources.html"),
    ("../notebooks/02_doha.ipynb#Who", "docs/instructor-guide.md", "02_doha.html#Who"),
    ("../data/README.md", "notebooks/02_doha.ipynb", "data.html"),
    ("answer-key/02_doha.md", "docs/instructor-guide.md", None),
    ("../docs/answer-key/02_doha.md#q1", "notebooks/02_doha.ipynb", None),
    ("build/README.md", "data/README.md", None),
])
def test_resolve_href(href: str, source: str, expected: str | None) -> None:
    assert resolve_href(href, source, LINKS) == expected


def test_answer_key_links_in_markdown_are_unwrapped_but_their_text_kept() -> None:
    pages = page_list(_lessons(1), guide=True)
    chrome = site._Chrome(pages)
    text = ("# Guide\n\n## Lesson 00\n\nSee [the answer key](answer-key/00_l.md) and "
            "[lesson 00](../notebooks/00_l.ipynb), cited [DOHA-2020].\n")
    out = site.markdown_page(text, pages[-1], chrome, site.link_map(pages), {"DOHA-2020"})
    assert "answer-key" not in out and "the answer key" in out
    assert '<a href="00_l.html">lesson 00</a>' in out
    assert '<a href="sources.html#src-DOHA-2020">DOHA-2020</a>' in out


def _views(nb: dict) -> list[dict]:
    return [o for c in nb["cells"] for o in c.get("outputs", [])
            if site.WIDGET_VIEW in o.get("data", {})]


def test_prepare_keeps_explorers_drops_exercise_widgets_and_prunes_state() -> None:
    nb = nbformat.read(notebooks_dir() / "02_doha.ipynb", as_version=4)
    before = nb.metadata["widgets"][site.WIDGET_STATE]["state"]
    ready = prepare_notebook(nb, widgets=True)
    views = _views(ready)
    assert views, "02 has explorers"
    assert not any(site.is_static_exercise(o["data"]) for o in views)
    state = ready["metadata"]["widgets"][site.WIDGET_STATE]["state"]
    assert set(state) == referenced_models(before, [v["data"][site.WIDGET_VIEW]["model_id"]
                                                    for v in views])
    assert len(state) < len(before)
    dumped = json.dumps(state)
    for ex in load_bank().exercises.values():
        if ex.notebook == "02_doha":
            assert json.dumps(ex.question)[1:60] not in dumped, ex.id
    # the committed notebook is not changed
    assert nb.metadata["widgets"][site.WIDGET_STATE]["state"] is before
    plain = prepare_notebook(nb, widgets=False)
    assert _views(plain) == [] and "widgets" not in plain["metadata"]


def test_referenced_models_follows_references_and_ignores_unknown_ids() -> None:
    state = {"a": {"state": {"children": ["IPY_MODEL_b"], "layout": "IPY_MODEL_c"}},
             "b": {"state": {"x": {"deep": ["IPY_MODEL_a", "IPY_MODEL_gone"]}}},
             "c": {"state": {}}, "d": {"state": {"layout": "IPY_MODEL_c"}}}
    assert referenced_models(state, ["a"]) == {"a", "b", "c"}
    assert referenced_models(state, ["zzz"]) == set()


def test_help_and_bad_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "python -m helpers.site" in capsys.readouterr().out
    assert main(["--frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --frobnicate" in err and "Traceback" not in err
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    assert main([str(afile)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    assert main([str(tmp_path / "mine")]) == 2
    assert "files that this command did not make" in capsys.readouterr().err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    assert main([str(notebooks_dir() / "site")]) == 2
    assert "inside the project's notebooks/ folder" in capsys.readouterr().err


def test_missing_npm_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AFG_COURSE_SITE_JS", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(site.shutil, "which", lambda name: None)
    assert main([str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "npm is not found" in err and "--no-widgets" in err and "Traceback" not in err


# --- one build, searched for answer keys ----------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site with saved widget state but without the npm scripts (no network here)."""
    out = tmp_path_factory.mktemp("site") / "site"
    patch = pytest.MonkeyPatch()
    patch.setattr(site, "widget_js", lambda cache=None: None)
    try:
        site.build(out)
    finally:
        patch.undo()
    return out


def _plain(markup: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return re.sub(r"\s+", " ", text.replace("`", "")).strip().casefold()


def _prose() -> str:
    parts = []
    for path in notebooks_dir().glob("[0-9][0-9]_*.ipynb"):
        parts += [c.source for c in nbformat.read(path, as_version=4).cells
                  if c.cell_type == "markdown"]
    return _plain(" ".join(parts))


def test_every_page_is_built(built: Path) -> None:
    names = sorted(p.name for p in built.glob("*.html"))
    expected = sorted(p.filename for p in page_list(
        read_lessons(), guide=(PROJECT_DIR / "docs/instructor-guide.md").is_file()))
    assert names == expected
    assert (built / "assets" / "site.css").is_file()


def test_no_feedback_or_answer_key_text_in_any_built_file(built: Path) -> None:
    pages = {p.name: _plain(p.read_text(encoding="utf-8")) for p in built.rglob("*.html")}
    raw = {p.name: p.read_text(encoding="utf-8") for p in built.rglob("*.html")}
    prose = _prose()
    leaks = []
    for ex in load_bank().exercises.values():
        feedback = [ex.explanation, ex.model_answer, *ex.hints, *ex.rubric,
                    *(o.explanation for o in ex.options), *(m.message for m in ex.mistakes)]
        for text in feedback:
            needle = _plain(text)[:70]
            if len(needle) < 20 or needle in prose:
                continue  # the lesson's own prose says it, after the exercise
            leaks += [f"{name}: {ex.id}: {needle!r}" for name, t in pages.items() if needle in t]
        # inside the exercise's own box: the options all, in file order; no accepted answer
        for name, markup in raw.items():
            match = re.search(r'<div class="course-exercise-static[^"]*">\s*<p><strong>Exercise '
                              + re.escape(ex.id) + r"[:( ].*?</div>", markup, re.S)
            if match is None:
                continue
            # the heading names the exercise by id; '00-glossary-isaf' names its own answer, a
            # wording of the bank that JupyterLab shows too: not counted as a leak of the site
            box = _plain(match.group(0)).replace(ex.id.casefold(), " ")
            question = _plain(ex.question)
            if ex.kind in ("single_choice", "select_all"):
                items = [_plain(li) for li in re.findall(r"<li>(.*?)</li>", match.group(0))]
                assert items == [_plain(o.text) for o in ex.options], ex.id
            elif ex.kind in ("text", "number", "data"):
                for answer in answer_texts(ex):
                    needle = _plain(answer)
                    if needle and needle not in question and re.search(
                            rf"(?<!\w){re.escape(needle)}(?!\w)", box):
                        leaks.append(f"{name}: {ex.id}: answer {answer!r} in its box")
            assert "answer:" not in box and "correct answer" not in box, ex.id
    assert leaks == []


def test_every_shown_exercise_has_its_box(built: Path) -> None:
    bank = load_bank().exercises
    for path in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        shown = re.findall(r'show_exercise\(\s*\\?"([^"\\]+)', path.read_text(encoding="utf-8"))
        page = _plain((built / f"{path.stem}.html").read_text(encoding="utf-8"))
        for exercise_id in shown:
            assert _plain(bank[exercise_id].question)[:100] in page, exercise_id


def test_built_pages_name_no_network_address_to_load(built: Path) -> None:
    for path in built.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        loads = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?:[^"]+)"', text)
        assert loads == [], (path.name, loads[:3])
        assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "unpkg" not in text


def test_heading_anchors_are_made_as_github_makes_them() -> None:
    taken: set[str] = set()
    assert site._slug("00 · Start here", taken) == "00--start-here"
    assert site._slug("What's in it?", taken) == "whats-in-it"
    assert site._slug("What's in it?", taken) == "whats-in-it-1"
