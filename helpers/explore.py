"""Interactive charts: controls (dropdowns, sliders) above a chart that redraws when they change.

:func:`chart_explorer` turns any function that returns a finished chart into an explorer;
:func:`timeline_explorer` is the course's timeline, filterable by theme, actor and years;
:func:`date_slider` is the control for charts and maps that change with a date.

The first display is built only from HTML widgets (no Output widget), so it is the same
under nbval, nbclient and JupyterLab; the chart's description is written as text under it, and
the output also carries a static HTML copy of the first chart for GitHub and nbviewer.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from helpers.charts import THEMES, events_table_html, select_events, timeline_chart
from helpers.display import access_helper, widget_bundle
from helpers.errors import CourseError, DataError, UsageError
from helpers.plots import alt_text_of, chart_html, source_of

ALL = "all"


#: Charts an explorer keeps in memory, most recently shown first, so that going back is instant.
DRAWN_KEPT = 24


def _cache_key(values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """Return a key for the control values, or None when one cannot be a key (unhashable)."""
    key = tuple(sorted(values.items()))
    try:
        hash(key)
    except TypeError:
        return None
    return key


class ChartExplorer:
    """Controls plus a chart (and optional HTML under it) that redraw when a control changes."""

    def __init__(self, draw: Callable[..., Figure | tuple[Figure, str]],
                 controls: Mapping[str, w.ValueWidget], *, note: str = "",
                 details: str | None = None) -> None:
        if not callable(draw):
            raise UsageError("chart_explorer needs a function that returns a finished chart.")
        if not controls:
            raise UsageError("chart_explorer needs at least one control.")
        for name, control in controls.items():
            if not str(getattr(control, "description", "") or "").strip():
                raise UsageError(f"chart_explorer: the control '{name}' has no description; "
                                 "give it one (description=...), the name a screen reader "
                                 "announces and the label a student sees.")
        self.draw = draw
        self.controls = dict(controls)
        self.note = note
        self.details = details
        # An HTML <img> rather than an Image widget: the Image widget cannot carry alt text.
        self.image = w.HTML()
        self.caption = w.HTML()
        self.extra = w.HTML()
        self.status = w.HTML()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        bar = w.HBox(list(self.controls.values()), layout=w.Layout(flex_flow="row wrap"))
        self.box = w.VBox([access_helper(), bar, self.status, self.image, self.caption,
                           self.extra])
        self.box.add_class("course-explorer")
        self.figure: Figure | None = None
        self.extra_html = ""
        self._drawn: OrderedDict[tuple[Any, ...], tuple[Figure, str, str]] = OrderedDict()
        self.refresh()

    def values(self) -> dict[str, Any]:
        """Return the current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self) -> None:
        """Redraw the chart for the current control values.

        A chart drawn before for the same values is shown again from memory (the draw function
        depends only on them): going back to an earlier choice is instant, not a new drawing.
        """
        values = self.values()
        key = _cache_key(values)
        if key is not None and key in self._drawn:
            self._drawn.move_to_end(key)
            fig, extra, image = self._drawn[key]
        else:
            try:
                result = self.draw(**values)
            except CourseError as exc:
                self.status.value = (f"<p role='alert'><strong>✗</strong> "
                                     f"{html.escape(str(exc))}</p>")
                return
            fig, extra = result if isinstance(result, tuple) else (result, "")
            if alt_text_of(fig) is None:
                raise UsageError("the explorer's draw function must return a finished chart "
                                 "(call helpers.plots.finish on it).")
            image = chart_html(fig)  # drawn once; the static form reuses it
            if key is not None:
                self._drawn[key] = (fig, extra, image)
                while len(self._drawn) > DRAWN_KEPT:
                    self._drawn.popitem(last=False)
        self.figure, self.extra_html = fig, extra
        self.status.value = ""
        self.image.value = image
        self.caption.value = (f"<p class='course-chart-caption' role='note'>"
                              f"<strong>Chart:</strong> "
                              f"{html.escape(alt_text_of(fig) or '')} "
                              f"<em>{html.escape(source_of(fig) or '')}</em></p>")
        self.extra.value = self._folded(extra)

    def _folded(self, extra: str) -> str:
        """Return the HTML under the chart, behind a disclosure when ``details`` names it."""
        if not extra or self.details is None:
            return extra
        return (f"<details class='course-details'><summary>{html.escape(self.details)}"
                f"</summary>{extra}</details>")

    def _on_change(self, _change: Any = None) -> None:
        self.refresh()

    def _static_text(self) -> str:
        lines = [f"Interactive chart: {self.note}" if self.note else "Interactive chart."]
        lines.append("Controls: " + "; ".join(
            f"{c.description or name} = {c.value}" for name, c in self.controls.items()))
        if self.figure is not None:
            lines.append(f"Chart: {alt_text_of(self.figure)}")
            lines.append(source_of(self.figure) or "")
        return "\n".join(lines)

    def _static_html(self) -> str:
        chart = self.image.value if self.figure is not None else ""
        return (f"<p><em>Interactive in JupyterLab or Voilà: {html.escape(self.note)} "
                f"Shown here as first drawn.</em></p>{chart}{self._folded(self.extra_html)}")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return widget_bundle(self.box, text=self._static_text(), html=self._static_html())


def chart_explorer(draw: Callable[..., Figure | tuple[Figure, str]],
                   controls: Mapping[str, w.ValueWidget], *, note: str = "",
                   details: str | None = None) -> ChartExplorer:
    """Return an explorer: ``draw(**values)`` is called with the controls' values by name.

    ``draw`` returns a finished chart, or ``(chart, html)`` to show escaped HTML (a table) under
    it. ``note`` says in a sentence what the reader can change. ``details``, when given, is the
    label of a disclosure (``<details>``) that holds the HTML under the chart, so a long table
    does not push the next cell far down the page; the reader opens it with a click or Enter.
    """
    return ChartExplorer(draw, controls, note=note, details=details)


def date_slider(dates: Iterable[object], label: str, *,
                value: object = None) -> w.SelectionSlider:
    """Return a labelled, keyboard-operable slider over ``dates`` (sorted, duplicates dropped).

    Each stop shows its date as ``6 Aug 2021`` and has a ``pandas.Timestamp`` as its value; the
    slider starts at ``value`` (default: the last date). It redraws only when released, so an
    explorer draws once per chosen date rather than once per step dragged past.
    """
    if isinstance(dates, str | bytes) or not isinstance(dates, Iterable):
        raise UsageError(f"date_slider takes a list of dates, not {type(dates).__name__}.")
    stamps: set[pd.Timestamp] = set()
    for raw in dates:
        try:
            stamps.add(pd.Timestamp(raw).normalize())
        except (ValueError, TypeError):
            raise DataError(f"'{raw}' is not a date; write dates as YYYY-MM-DD.") from None
    if not stamps:
        raise UsageError("date_slider needs at least one date.")
    ordered = sorted(stamps)
    chosen = ordered[-1] if value is None else pd.Timestamp(value).normalize()
    if chosen not in stamps:
        raise UsageError(f"{chosen:%Y-%m-%d} is not one of the slider's dates "
                         f"({ordered[0]:%Y-%m-%d} to {ordered[-1]:%Y-%m-%d}).")
    options = [(f"{d.day} {d:%b %Y}", d) for d in ordered]
    return w.SelectionSlider(options=options, value=chosen, description=label,
                             continuous_update=False, style={"description_width": "initial"},
                             layout=w.Layout(width="480px"))


def _dropdown(label: str, options: list[tuple[str, str]], value: str) -> w.Dropdown:
    return w.Dropdown(options=options, value=value, description=label,
                      style={"description_width": "initial"},
                      layout=w.Layout(width="auto", margin="0 1.5em 0.4em 0"))


def timeline_explorer(timeline: pd.DataFrame, start: int, end: int, *,
                      actors: pd.DataFrame | None = None, notebook: str | None = None,
                      theme: str = ALL) -> ChartExplorer:
    """Return the interactive timeline between two years, filterable by theme, actor and years.

    ``actors`` (the actors table) gives actors their names in the menu; ``notebook`` limits the
    events to those a notebook teaches (the timeline's ``notebook`` column).
    """
    if notebook is not None:
        timeline = timeline[timeline["notebook"] == notebook]
    events = select_events(timeline, start, end)
    if events.empty:
        raise UsageError(f"the timeline has no events between {start} and {end}.")
    names: dict[str, str] = {}
    if actors is not None:
        names = dict(zip(actors["id"], actors["name"], strict=True))
    ids = sorted({part.strip() for cell in events["actors"].dropna() for part in cell.split(";")
                  if part.strip()}, key=lambda i: names.get(i, i).casefold())
    theme_menu = _dropdown("Theme", [("all themes", ALL)] + [(t, t) for t in THEMES
                                                             if (events["theme"] == t).any()],
                           theme)
    actor_menu = _dropdown("Actor", [("all actors", ALL)] + [(names.get(i, i), i) for i in ids],
                           ALL)
    years = w.IntRangeSlider(value=(start, end), min=start, max=end, step=1,
                             description="Years", continuous_update=False,
                             style={"description_width": "initial"},
                             layout=w.Layout(width="420px"))

    def draw(theme: str, actor: str, years: tuple[int, int]) -> tuple[Figure, str]:
        chosen_theme = None if theme == ALL else theme
        chosen_actor = None if actor == ALL else actor
        first, last = years
        fig = timeline_chart(timeline, first, last, theme=chosen_theme, actor=chosen_actor,
                             title=f"Timeline, {first}–{last}",
                             actor_name=names.get(chosen_actor) if chosen_actor else None)
        table = events_table_html(select_events(timeline, first, last, theme=chosen_theme,
                                                actor=chosen_actor))
        return fig, table

    return chart_explorer(draw, {"theme": theme_menu, "actor": actor_menu, "years": years},
                          note="choose a theme, an actor or a span of years; the chart and the "
                               "table of events under it follow your choice.",
                          details="Table of the events shown, with their sources "
                                  "(open to read)")
