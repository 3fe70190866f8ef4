"""Build the course as a static website that works with no network: ``python -m helpers.site``.

::

    python -m helpers.site _site            # build into _site/ (replaced if it is a built site)
    python -m helpers.site --no-widgets out # no npm needed; widgets show their text description

The site has an index page (each lesson's question, objectives and time, read from the README's
lessons table and from each notebook's "By the end … you can" list), one page per notebook with
its stored outputs, and pages for the data dictionary (``data/README.md``), the source list
(``data/sources.csv``) and the instructor guide (``docs/instructor-guide.md``, when it exists).
Every page has the course contents and previous/next links.

Lesson pages are made by nbconvert's HTML exporter (its JupyterLab template, extended in
``helpers/site_files/course/``), which renders the notebook's saved widget state with the Jupyter
widgets HTML manager. Its script URLs point at copies in ``assets/``, installed from the npm
registry at build time by ``npm pack`` and checked against pinned hashes, so nothing is
fetched when a page is opened. Exercises show their question and options from the static
rendering stored with each output (:mod:`helpers.exercises.render`), never the live widget,
and only the widget models that a shown widget needs are kept: no answer key, explanation
or feedback reaches the site, and a check after the build refuses a site that contains any.
"""

from __future__ import annotations

import argparse
import base64
import copy
import csv
import hashlib
import html
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from helpers.errors import CourseError, UsageError
from helpers.paths import PACKAGE_DIR, PROJECT_DIR

COURSE_TITLE = "Afghanistan from Doha to recognition"
SITE_FILES = PACKAGE_DIR / "site_files"
DEFAULT_OUTDIR = "_site"
#: A file in every built site, so a rebuild replaces only folders this command made.
MARKER = ".course-site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Files copied from the pinned npm packages into ``assets/``: (package, path inside it) → name.
WIDGET_JS = {
    ("@jupyter-widgets/html-manager", "dist/embed-amd.js"): "embed-amd.js",
    ("requirejs", "require.js"): "require.js",
}
#: Font files the widget bundle's icon styles refer to (copied when present).
WIDGET_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")
WHERE_TO_ANSWER_SITE = (
    "On this website you can read the exercise but not answer it. To answer it and get "
    "feedback, open this lesson's notebook in JupyterLab or Voilà: on your own computer, on your "
    "school's JupyterHub, or on Binder (the course's README says how).")
DEMO_NOTE = ("A worked example of check()'s feedback appears here when you run the notebook in "
             "JupyterLab or Voilà.")
SAVED_VIEW_NOTE = (
    "Below is the view as it was saved when the notebook was last run. On this website the "
    "controls do not redraw it: that needs Python, so open the notebook in JupyterLab, Voilà or "
    "Binder to explore.")
_CITATION = re.compile(r"\[([A-Z0-9][A-Za-z0-9.\-]*[A-Za-z0-9])\]")
_OBJECTIVE = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")


class SiteError(CourseError):
    """The site cannot be built; the message names the file or step and what to do."""


@dataclass(frozen=True)
class Lesson:
    """One row of the README's lessons table, with the objectives from its notebook."""

    number: str
    title: str
    notebook: str  # project-relative, e.g. notebooks/02_doha.ipynb
    question: str
    time: str
    objectives: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        return Path(self.notebook).stem + ".html"


@dataclass(frozen=True)
class Page:
    """A page of the site: its file name, title, kind and the project file it is made from."""

    filename: str
    title: str
    kind: str  # index, lesson, data, sources or guide
    source: str | None = None


# --- reading the course --------------------------------------------------------------------------

def lessons_table(readme: str, *, file: str = "README.md") -> list[Lesson]:
    """Return the rows of the lessons table under ``## The lessons`` in the README's text.

    Each row is ``| № | [Title](notebooks/NN_x.ipynb) | question | time |``; objectives are left
    empty (see :func:`objectives_of`). Raises :class:`SiteError` naming the line when the table is
    missing or a row does not have that form.
    """
    lines = readme.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "## The lessons")
    except StopIteration:
        raise SiteError(f"{file}: no '## The lessons' section with the lessons table; the site's "
                        "index is made from it.") from None
    rows: list[Lesson] = []
    in_table = False
    for index in range(start + 1, len(lines)):
        line = lines[index].strip()
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if in_table:
                break
            continue
        in_table = True
        cells = [c.strip() for c in line.strip("|").split("|")]
        if all(set(c) <= set("-: ") for c in cells) or cells[0] in ("№", "No", "#"):
            continue  # the header and its rule
        link = re.fullmatch(r"\[(.+?)\]\((\S+?\.ipynb)\)", cells[1]) if len(cells) == 4 else None
        if link is None:
            raise SiteError(f"{file}, line {index + 1}: a lessons-table row needs four cells, "
                            "| № | [Title](notebooks/NN_name.ipynb) | question | time |, "
                            f"not {line[:80]!r}.")
        rows.append(Lesson(cells[0], link.group(1), link.group(2), cells[2], cells[3]))
    if not rows:
        raise SiteError(f"{file}: the '## The lessons' section has no table rows.")
    return rows


def objectives_of(cells: Sequence[dict], *, file: str = "the notebook") -> tuple[str, ...]:
    """Return the numbered learning objectives under "By the end … you can" in a notebook.

    They are read from the first markdown cell that has that phrase; an item's continuation lines
    are joined to it. Raises :class:`SiteError` when no such list is found.
    """
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        at = text.find("By the end")
        if at < 0:
            continue
        items: list[str] = []
        for line in text[at:].splitlines()[1:]:
            match = _OBJECTIVE.match(line)
            if match:
                items.append(match.group(2).strip())
            elif items and line.strip() and line.startswith((" ", "\t")):
                items[-1] += " " + line.strip()
            elif items:
                break
        if items:
            return tuple(items)
    raise SiteError(f"{file}: no numbered list of objectives after 'By the end … you can'; the "
                    "site's index shows them, so the notebook's opening cell needs one.")


def read_lessons(project: Path = PROJECT_DIR) -> list[Lesson]:
    """Return the lessons of the README's table, each with its notebook's objectives."""
    readme = project / "README.md"
    try:
        rows = lessons_table(readme.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SiteError(f"README.md cannot be read: {exc.strerror or exc}.") from None
    lessons = []
    for row in rows:
        path = project / row.notebook
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError) as exc:
            raise SiteError(f"README.md links {row.notebook}, which cannot be read as a notebook "
                            f"({exc}); fix the link or the notebook.") from None
        objectives = objectives_of(cells, file=row.notebook)
        lessons.append(Lesson(row.number, row.title, row.notebook, row.question, row.time,
                              objectives))
    return lessons


def page_list(lessons: Sequence[Lesson], *, guide: bool) -> list[Page]:
    """Return the site's pages in reading order: index, lessons, data, sources, guide."""
    pages = [Page("index.html", "Contents", "index", "README.md")]
    pages += [Page(lesson.filename, f"{lesson.number} · {lesson.title}", "lesson",
                   lesson.notebook) for lesson in lessons]
    pages += [Page("data.html", "The data and its dictionary", "data", "data/README.md"),
              Page("sources.html", "Sources", "sources", "data/sources.csv")]
    if guide:
        pages.append(Page("guide.html", "Instructor guide", "guide", "docs/instructor-guide.md"))
    return pages


def neighbours(pages: Sequence[Page], filename: str) -> tuple[Page | None, Page | None]:
    """Return the pages before and after ``filename`` in reading order (None at either end)."""
    names = [p.filename for p in pages]
    if filename not in names:
        raise SiteError(f"{filename} is not a page of the site.")
    at = names.index(filename)
    return (pages[at - 1] if at > 0 else None, pages[at + 1] if at + 1 < len(pages) else None)


def link_map(pages: Iterable[Page]) -> dict[str, str]:
    """Return project-relative source path → page file name, for rewriting links."""
    return {p.source: p.filename for p in pages if p.source}


def resolve_href(href: str, source: str, links: dict[str, str]) -> str | None:
    """Return where a link in ``source`` (a project-relative path) points on the site.

    External links (with a scheme) and same-page anchors are kept; a relative link to a file
    that has a page becomes that page (anchor kept); any other relative link returns None, and
    the caller keeps its text without a link. So links to files the site leaves out, such as the
    answer key under ``docs/answer-key/``, never reach it.
    """
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("#"):
        return href
    if not parts.path:
        return href
    target = posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(parts.path)))
    page = links.get(target)
    if page is None:
        return None
    return page + (f"#{parts.fragment}" if parts.fragment else "")


# --- notebook to page ----------------------------------------------------------------------------

def _fallback_html(data: dict) -> str:
    value = data.get("text/html", "")
    return "".join(value) if isinstance(value, list) else str(value)


def is_static_exercise(data: dict) -> bool:
    """True when an output's HTML is the course's static form of an exercise or progress panel."""
    fallback = _fallback_html(data)
    return ("course-exercise-static" in fallback
            or fallback.lstrip().startswith("<p><em>Course progress:"))


def referenced_models(state: dict, roots: Iterable[str]) -> set[str]:
    """Return the ids of the widget models reachable from ``roots`` in a saved widget state."""
    seen: set[str] = set()
    todo = [r for r in roots if r in state]
    while todo:
        model_id = todo.pop()
        if model_id in seen:
            continue
        seen.add(model_id)
        stack = [state[model_id].get("state", {})]
        while stack:
            value = stack.pop()
            if isinstance(value, str) and value.startswith("IPY_MODEL_"):
                ref = value[len("IPY_MODEL_"):]
                if ref in state and ref not in seen:
                    todo.append(ref)
            elif isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
    return seen


def prepare_notebook(nb: dict, *, widgets: bool) -> dict:
    """Return a copy of a notebook dict made ready for the site.

    Exercises and the progress panel keep only their static HTML (question and options, no live
    widget); other widgets (explorers) keep their saved view, preceded by their text description
    and a note that the view is saved, or, with ``widgets=False``, only the description. The
    saved widget state keeps only the models a shown widget needs.
    """
    nb = copy.deepcopy(nb)
    views: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                outputs.append(output)
                continue
            if is_static_exercise(data) or not widgets:
                data.pop(WIDGET_VIEW)
                outputs.append(output)
                continue
            note = (f'<div class="site-saved-view">{_fallback_html(data)}'
                    f"<p>{html.escape(SAVED_VIEW_NOTE)}</p></div>")
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"text/html": note}})
            outputs.append(output)
            views.append(data[WIDGET_VIEW]["model_id"])
        cell["outputs"] = outputs
    metadata = nb.setdefault("metadata", {})
    saved = metadata.get("widgets", {}).get(WIDGET_STATE)
    if views and saved:
        keep = referenced_models(saved.get("state", {}), views)
        pruned = {**saved, "state": {k: v for k, v in saved["state"].items() if k in keep}}
        metadata["widgets"] = {WIDGET_STATE: pruned}
    else:
        metadata.pop("widgets", None)
    return nb


def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(extra_template_basedirs=[str(SITE_FILES)], template_name="course")
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = False
    exporter.require_js_url = "assets/require.js"
    exporter.widget_renderer_url = "assets/embed-amd.js"
    exporter.mathjax_url = ""
    return exporter


def _soup(markup: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(markup, "html.parser")


def rewrite_links(root, source: str, links: dict[str, str]) -> None:
    """Point links under ``root`` at site pages; unwrap links to files the site leaves out."""
    for anchor in root.find_all("a", href=True):
        target = resolve_href(anchor["href"], source, links)
        if target is None:
            anchor.unwrap()
        else:
            anchor["href"] = target


def link_citations(root, source_ids: set[str], soup) -> None:
    """Turn ``[SOURCE-ID]`` in the text under ``root`` into links to the source list."""
    from bs4 import NavigableString

    for text in list(root.find_all(string=_CITATION)):
        if not isinstance(text, NavigableString) or text.find_parent(
                ["a", "code", "pre", "script", "style", "title"]):
            continue
        pieces: list = []
        last = 0
        value = str(text)
        for match in _CITATION.finditer(value):
            if match.group(1) not in source_ids:
                continue
            pieces.append(value[last:match.start() + 1])
            link = soup.new_tag("a", href=f"sources.html#src-{match.group(1)}")
            link.string = match.group(1)
            pieces.append(link)
            last = match.end() - 1
        if not pieces:
            continue
        pieces.append(value[last:])
        for piece in pieces:
            text.insert_before(piece if not isinstance(piece, str) else NavigableString(piece))
        text.extract()


def _contents_nav(soup, headings, label: str):
    nav = soup.new_tag("nav", attrs={"class": "site-toc", "aria-label": label})
    title = soup.new_tag("p", attrs={"class": "site-toc-title"})
    title.string = label
    nav.append(title)
    listing = soup.new_tag("ol")
    for heading in headings:
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{heading['id']}")
        link.string = heading.get_text(" ", strip=True).rstrip("¶").strip()
        item.append(link)
        listing.append(item)
    nav.append(listing)
    return nav


def _slug(text: str, taken: set[str]) -> str:
    """Return a heading's anchor as GitHub makes it (so links written for GitHub work): lower
    case, punctuation dropped, each space a hyphen; a repeated slug gets -1, -2, …"""
    base = re.sub(r"[^\w\- ]", "", text.casefold()).replace(" ", "-") or "section"
    slug, n = base, 1
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _add_heading_ids(root) -> None:
    taken = {tag["id"] for tag in root.find_all(id=True)}
    for heading in root.find_all(["h1", "h2", "h3", "h4"]):
        if not heading.get("id"):
            heading["id"] = _slug(heading.get_text(" ", strip=True), taken)


def _wrap_tables(soup, root) -> None:
    """Let wide tables scroll on a phone; the scrolling box is focusable and named."""
    for number, table in enumerate(root.find_all("table"), start=1):
        if table.find_parent("div", class_="site-table-scroll"):
            continue
        caption = table.find("caption")
        name = caption.get_text(" ", strip=True) if caption else f"Table {number}"
        box = soup.new_tag("div", attrs={"class": "site-table-scroll", "tabindex": "0",
                                         "role": "region", "aria-label": name})
        table.wrap(box)


class _Chrome:
    """Renders the parts shared by every page from ``helpers/site_files/chrome.html.j2``."""

    def __init__(self, pages: Sequence[Page]) -> None:
        import jinja2

        self.pages = list(pages)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SITE_FILES)),
                                      autoescape=True, undefined=jinja2.StrictUndefined)
        self.macros = self.env.get_template("chrome.html.j2").module

    def parts(self, page: Page) -> tuple[str, str]:
        prev, nxt = neighbours(self.pages, page.filename)
        header = self.macros.header(COURSE_TITLE, self.pages, page, prev, nxt)
        footer = self.macros.footer(COURSE_TITLE, prev, nxt)
        return str(header), str(footer)

    def page(self, page: Page, body: str) -> str:
        from markupsafe import Markup

        header, footer = self.parts(page)
        return self.env.get_template("page.html.j2").render(
            title=page.title, course_title=COURSE_TITLE, kind=page.kind, header=Markup(header),
            footer=Markup(footer), body=Markup(body))


def lesson_page(lesson: Lesson, page: Page, chrome: _Chrome, links: dict[str, str],
                source_ids: set[str], *, widgets: bool, project: Path = PROJECT_DIR) -> str:
    """Return the HTML of one lesson page, made from its executed notebook."""
    import nbformat

    path = project / lesson.notebook
    try:
        raw = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as exc:
        raise SiteError(f"{lesson.notebook} cannot be read as a notebook: {exc}.") from None
    nb = nbformat.from_dict(prepare_notebook(raw, widgets=widgets))
    header, footer = chrome.parts(page)
    intro = (f'<p class="site-note">This is the reading view of the notebook '
             f"<code>{html.escape(Path(lesson.notebook).name)}</code>, with the outputs stored "
             "when it was last run. The code is folded under “Code”; exercises show their "
             "questions, and you answer them in JupyterLab or Voilà.</p>")
    resources = {"metadata": {"name": page.title},
                 "site": {"header": header, "footer": footer, "intro": intro}}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    soup = _soup(body)
    cells = soup.select("main .jp-Cell")
    for cell in cells:
        rewrite_links(cell, lesson.notebook, links)
        for markdown in cell.select(".jp-RenderedMarkdown"):
            link_citations(markdown, source_ids, soup)
        _wrap_tables(soup, cell)
    for demo in soup.select(".course-demo"):
        # A worked example of check() shows graded feedback, which may state a key.
        note = soup.new_tag("p", attrs={"class": "site-where"})
        note.string = DEMO_NOTE
        demo.replace_with(note)
    for box in soup.select(".course-exercise-static"):
        where = soup.new_tag("p", attrs={"class": "site-where"})
        where.string = WHERE_TO_ANSWER_SITE
        box.append(where)
    headings = [h for h in soup.select("main .jp-Cell h2") if h.get("id")]
    note = soup.select_one("main .site-note")
    if headings and note is not None:
        note.insert_after(_contents_nav(soup, headings, "In this lesson"))
    return str(soup)


def markdown_page(text: str, page: Page, chrome: _Chrome, links: dict[str, str],
                  source_ids: set[str]) -> str:
    """Return a page made from a markdown file (data dictionary, instructor guide)."""
    import mistune

    render = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])
    soup = _soup(f"<div class='site-markdown'>{render(text)}</div>")
    root = soup.div
    rewrite_links(root, page.source or "", links)
    link_citations(root, source_ids, soup)
    _add_heading_ids(root)
    _wrap_tables(soup, root)
    headings = root.find_all("h2")
    if headings:
        first = root.find("h1")
        nav = _contents_nav(soup, headings, "On this page")
        if first is not None:
            first.insert_after(nav)
        else:
            root.insert(0, nav)
    return chrome.page(page, str(root))


def read_sources(project: Path = PROJECT_DIR) -> list[dict[str, str]]:
    """Return the rows of ``data/sources.csv`` as dicts (the file's own order)."""
    path = project / "data" / "sources.csv"
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise SiteError(f"data/sources.csv cannot be read: {exc.strerror or exc}.") from None


def sources_page(rows: Sequence[dict[str, str]], page: Page, chrome: _Chrome) -> str:
    """Return the source list as a table, each title linked to its address when it has one."""
    def cell(value: str | None) -> str:
        return html.escape(value or "")

    body_rows = []
    for row in rows:
        title = cell(row.get("title"))
        url = (row.get("url") or "").strip()
        if url.startswith(("https://", "http://")):
            title = f'<a href="{html.escape(url, quote=True)}">{title}</a>'
        date = cell(row.get("date"))
        body_rows.append(
            f'<tr id="src-{cell(row.get("id"))}"><th scope="row">{cell(row.get("id"))}</th>'
            f"<td>{cell(row.get('author'))}</td><td>{title}</td><td>{cell(row.get('outlet'))}</td>"
            f"<td>{date}</td><td>{cell(row.get('kind'))}</td>"
            f"<td>{cell(row.get('perspective'))}</td><td>{cell(row.get('notes'))}</td></tr>")
    heads = ["Id", "Author", "Title", "Outlet", "Date", "Kind", "Perspective", "Notes"]
    head = "".join(f'<th scope="col">{h}</th>' for h in heads)
    body = (
        "<h1>Sources</h1>"
        "<p>Every fact, figure and answer in the course cites one of these sources by its id, "
        "for example [DOHA-2020]. The list says whose perspective each source carries. Titles "
        "with an address link to it; following a link needs a network connection.</p>"
        f'<div class="site-table-scroll" tabindex="0" role="region" aria-label="Source list">'
        f"<table class='site-sources'><caption>The course's {len(rows)} sources, from "
        "<code>data/sources.csv</code></caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body_rows)}</tbody></table></div>")
    return chrome.page(page, body)


def index_page(lessons: Sequence[Lesson], pages: Sequence[Page], chrome: _Chrome,
               links: dict[str, str], project: Path = PROJECT_DIR) -> str:
    """Return the index: the README's opening, then each lesson's question, time, objectives."""
    import mistune

    readme = (project / "README.md").read_text(encoding="utf-8")
    intro = readme.split("## The lessons", 1)[0]
    intro = re.sub(r"^# .*$", "", intro, count=1, flags=re.MULTILINE)
    inline = mistune.create_markdown(escape=True)

    def md_inline(text: str) -> str:
        rendered = inline(text).strip()
        return rendered[3:-4] if rendered.startswith("<p>") and rendered.endswith("</p>") \
            else rendered

    parts = [f"<h1>{html.escape(COURSE_TITLE)}</h1>", inline(intro),
             "<p>These pages show each notebook with the outputs stored when it was last run. "
             "To run the code and answer the exercises with feedback, open the notebooks in "
             "JupyterLab or Voilà, on your own computer, a JupyterHub or Binder.</p>",
             "<h2 id='lessons'>The lessons, in order</h2>", '<ol class="site-lessons">']
    for lesson in lessons:
        objectives = "".join(f"<li>{md_inline(o)}</li>" for o in lesson.objectives)
        parts.append(
            f'<li class="site-lesson-card"><h3><a href="{lesson.filename}">'
            f"{html.escape(lesson.number)} · {html.escape(lesson.title)}</a></h3>"
            f"<p><strong>Question:</strong> {md_inline(lesson.question)}</p>"
            f"<p><strong>Time:</strong> {md_inline(lesson.time)}</p>"
            f"<p><strong>By the end you can</strong></p><ol>{objectives}</ol></li>")
    parts.append("</ol><h2 id='reference'>Reference pages</h2><ul>")
    parts += [f'<li><a href="{p.filename}">{html.escape(p.title)}</a></li>'
              for p in pages if p.kind in ("data", "sources", "guide")]
    parts.append("</ul>")
    soup = _soup("<div class='site-markdown'>" + "".join(parts) + "</div>")
    rewrite_links(soup.div, "README.md", links)
    return chrome.page(pages[0], str(soup.div))


# --- answer-key guard ----------------------------------------------------------------------------

def _plain(markup: str) -> str:
    text = re.sub(r"<[^>]+>", " ", markup)
    return re.sub(r"\s+", " ", html.unescape(text)).strip().casefold()


def feedback_texts() -> list[tuple[str, str, str]]:
    """Return (exercise id, field, text) for every text of the bank that only feedback shows.

    Explanations, each option's explanation, hints, model answers, rubric points and the
    messages of listed mistakes: the site must contain none of them.
    """
    from helpers.exercises.bank import load_bank

    found = []
    for ex in load_bank().exercises.values():
        texts = [("explanation", ex.explanation), ("model_answer", ex.model_answer)]
        texts += [("option explanation", o.explanation) for o in ex.options]
        texts += [("hint", h) for h in ex.hints]
        texts += [("rubric", r) for r in ex.rubric]
        texts += [("mistake message", m.message) for m in ex.mistakes]
        found += [(ex.id, name, t) for name, t in texts if len(t.strip()) >= 20]
    return found


def lesson_prose(project: Path = PROJECT_DIR) -> str:
    """Return the normalised text of every lesson notebook's markdown cells.

    A lesson's own prose may restate an explanation after the exercise (that is where the
    lead-in rule sends it); the site shows that prose as the notebook does, so the answer-key
    check skips feedback texts the prose itself contains.
    """
    import nbformat

    texts = []
    for path in sorted((project / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        texts += [c.source for c in nb.cells if c.cell_type == "markdown"]
    return _plain(" ".join(texts))


def answer_key_leaks(outdir: Path, project: Path = PROJECT_DIR) -> list[str]:
    """Return a line for each feedback text of the bank found in a built page.

    Texts that the lessons' own markdown states are not counted (see :func:`lesson_prose`).
    """
    prose = lesson_prose(project)
    texts = [(i, f, _plain(t)[:80]) for i, f, t in feedback_texts()]
    texts = [(i, f, t) for i, f, t in texts if t not in prose]
    leaks = []
    for page in sorted(outdir.glob("*.html")):
        plain = _plain(page.read_text(encoding="utf-8"))
        leaks += [f"{page.name}: exercise '{i}', {f}: {t[:60]!r}…" for i, f, t in texts
                  if t in plain]
    return leaks


# --- widget scripts -----------------------------------------------------------------------------

def js_cache_dir() -> Path:
    """Return where the widget scripts are unpacked (``AFG_COURSE_SITE_JS`` overrides)."""
    override = os.environ.get("AFG_COURSE_SITE_JS")
    return Path(override).expanduser() if override else PROJECT_DIR / ".cache" / "site-js"


def pinned_packages() -> list[dict[str, str]]:
    """Return the pinned npm packages (name, version, integrity, licence) of the widget scripts."""
    return json.loads((SITE_FILES / "widget-js.json").read_text(encoding="utf-8"))["packages"]


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def _unpack(tarball: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")


def widget_js(cache: Path | None = None) -> dict[str, Path]:
    """Return package name → unpacked folder of each pinned widget-script package.

    A package missing from the cache is fetched once from the npm registry with ``npm pack``
    (the package alone, without its dependencies: the scripts used are self-contained bundles),
    checked against the sha512 integrity pinned in ``helpers/site_files/widget-js.json`` and
    unpacked into :func:`js_cache_dir`. Later builds need no network.
    """
    cache = cache or js_cache_dir()
    folders: dict[str, Path] = {}
    for package in pinned_packages():
        name, version = package["name"], package["version"]
        folder = cache / f"{name.replace('/', '+')}-{version}"
        stamp = folder / ".integrity"
        if not (stamp.is_file() and stamp.read_text().strip() == package["integrity"]):
            _fetch(name, version, package["integrity"], cache, folder)
        folders[name] = folder / "package"
    return folders


def _fetch(name: str, version: str, integrity: str, cache: Path, folder: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SiteError("the widget scripts are not in the cache and npm is not found: install "
                        "Node.js and npm (Debian/Ubuntu: apt-get install nodejs npm) and build "
                        "again, or build with --no-widgets (widgets then show only their text).")
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run([npm, "pack", f"{name}@{version}", "--json",
                               "--pack-destination", str(downloads)],
                              cwd=cache, capture_output=True, text=True, timeout=300)
        filename = json.loads(done.stdout)[0]["filename"] if done.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired, ValueError, LookupError) as exc:
        raise SiteError(f"npm pack {name}@{version} failed: {exc}.") from None
    tarball = downloads / Path(filename).name
    if done.returncode != 0 or not tarball.is_file():
        raise SiteError(f"npm pack {name}@{version} could not fetch the package (it needs the "
                        f"npm registry once):\n{(done.stdout + done.stderr)[-1500:]}")
    found = _integrity(tarball)
    if found != integrity:
        raise SiteError(f"{name}@{version} from the registry has integrity {found}, not the "
                        f"pinned {integrity} (helpers/site_files/widget-js.json); not used.")
    _unpack(tarball, folder)
    (folder / ".integrity").write_text(integrity + "\n", encoding="utf-8")
    tarball.unlink()


def licence_notice(packages: Sequence[dict[str, str]], folders: dict[str, Path]) -> str:
    """Return the text of ``assets/THIRD-PARTY-NOTICES.txt`` for the copied widget scripts."""
    lines = ["Scripts in this folder come from these npm packages, unchanged:", ""]
    for package in packages:
        meta = json.loads((folders[package["name"]] / "package.json").read_text("utf-8"))
        repo = meta.get("repository", "")
        repo = repo.get("url", "") if isinstance(repo, dict) else repo
        lines.append(f"{package['name']} {package['version']}: licence {meta.get('license')}"
                     f"; {meta.get('homepage') or repo}")
    lines += ["", "Each licence's text is in the package's source repository; embed-amd.js also "
              "carries the notices its authors kept in the bundle."]
    return "\n".join(lines) + "\n"


def copy_assets(assets: Path, folders: dict[str, Path] | None) -> None:
    """Write the stylesheet, and with ``folders`` the widget scripts, fonts and notices."""
    assets.mkdir(parents=True, exist_ok=True)
    for name in ("site.css", "site.js"):
        shutil.copyfile(SITE_FILES / name, assets / name)
    if folders is None:
        return
    for (package, inside), name in WIDGET_JS.items():
        shutil.copyfile(folders[package] / inside, assets / name)
    dist = folders["@jupyter-widgets/html-manager"] / "dist"
    for font in dist.iterdir():
        if font.suffix in WIDGET_FONT_SUFFIXES or font.name.endswith(".LICENSE.txt"):
            shutil.copyfile(font, assets / font.name)
    (assets / "THIRD-PARTY-NOTICES.txt").write_text(
        licence_notice(pinned_packages(), folders), encoding="utf-8")


# --- the build ----------------------------------------------------------------------------------

def _check_outdir(out: Path) -> None:
    resolved = out.resolve()
    if resolved == PROJECT_DIR or resolved in PROJECT_DIR.parents:
        raise UsageError(f"{out} is the project folder or holds it; give a new folder such as "
                         f"{DEFAULT_OUTDIR}.")
    for inside in ("notebooks", "data", "helpers", "tests", "docs"):
        if resolved == PROJECT_DIR / inside or (PROJECT_DIR / inside) in resolved.parents:
            raise UsageError(f"{out} is inside the project's {inside}/ folder; build the site "
                             f"somewhere else, such as {DEFAULT_OUTDIR}.")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file, not a folder; give a folder for the site.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(f"{out} is a folder with files that this command did not make; give "
                         "an empty or new folder (a built site is replaced when rebuilt).")


def build(outdir: str | Path, *, widgets: bool = True, project: Path = PROJECT_DIR) -> list[Page]:
    """Build the site into ``outdir`` and return its pages; see the module docstring."""
    out = Path(outdir)
    _check_outdir(out)
    modules = widget_js() if widgets else None
    lessons = read_lessons(project)
    guide_path = project / "docs" / "instructor-guide.md"
    pages = page_list(lessons, guide=guide_path.is_file())
    links = link_map(pages)
    chrome = _Chrome(pages)
    source_ids = {row["id"] for row in read_sources(project) if row.get("id")}
    staging = Path(tempfile.mkdtemp(prefix=".site-", dir=out.resolve().parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a web server must be able to read it
    try:
        copy_assets(staging / "assets", modules)
        by_file = {lesson.filename: lesson for lesson in lessons}
        for page in pages:
            if page.kind == "index":
                text = index_page(lessons, pages, chrome, links, project)
            elif page.kind == "lesson":
                text = lesson_page(by_file[page.filename], page, chrome, links, source_ids,
                                   widgets=widgets, project=project)
            elif page.kind == "sources":
                text = sources_page(read_sources(project), page, chrome)
            else:
                source = project / (page.source or "")
                text = markdown_page(source.read_text(encoding="utf-8"), page, chrome, links,
                                     source_ids)
            (staging / page.filename).write_text(text, encoding="utf-8")
        leaks = answer_key_leaks(staging)
        if leaks:
            raise SiteError("the built pages contain exercise feedback or answer keys, which the "
                            "site must never show:\n  " + "\n  ".join(leaks[:20]))
        (staging / MARKER).write_text("Built by python -m helpers.site; safe to delete.\n",
                                      encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return pages


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see python -m helpers.site --help)")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; exit 0 when built, 2 for bad arguments, 1 when it fails."""
    parser = _Parser(prog="python -m helpers.site", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", nargs="?", default=DEFAULT_OUTDIR,
                        help=f"folder to build the site into (default: {DEFAULT_OUTDIR}); a site "
                        "built there before is replaced")
    parser.add_argument("--no-widgets", action="store_true",
                        help="build without the widget scripts (no npm needed); interactive "
                        "views then show only their text description")
    try:
        args = parser.parse_args(argv)
        started = time.perf_counter()
        pages = build(args.outdir, widgets=not args.no_widgets)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(f"built {len(pages)} pages into {args.outdir} in {seconds:.1f} s; open "
          f"{Path(args.outdir) / 'index.html'} in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
