"""The collection's chart style and the figure helpers that every chart goes through.

* :func:`use_house_style` applies the house style (colour-blind-safe Okabe–Ito palette, readable
  type, no chart junk). Importing this module changes nothing; the style is applied by the call.
* :func:`new_figure` starts a chart in that style.
* :func:`show` finishes a chart: it writes the source line under it, attaches the alt text, and
  displays it. The output holds the chart as HTML (an ``<img>`` whose ``alt`` attribute carries
  the description and source), as PNG, and as plain text (the same description), so a screen
  reader, a text-only export and nbval all see what the chart shows.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from helpers.errors import UsageError

#: Okabe & Ito (2008) colours, distinguishable with the common forms of colour blindness.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: Order in which series take colours (yellow last: weak contrast on white).
COLOR_CYCLE: list[str] = [PALETTE[k] for k in
                          ("blue", "orange", "green", "vermillion", "sky", "purple", "black",
                           "yellow")]
GREY = "#6b6b6b"
SOURCE_PREFIX = "Source: "
MAX_ALT_CHARS = 1500
ALT_KEY = "course_alt_text"
SOURCE_KEY = "course_source"


def house_rc() -> dict[str, Any]:
    """Return the matplotlib settings of the house style as a dict (nothing is applied)."""
    return {
        "axes.prop_cycle": mpl.cycler(color=COLOR_CYCLE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": GREY,
        "axes.labelcolor": "#222222",
        "axes.titlesize": 14,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 12,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": "#dddddd",
        "grid.linewidth": 0.8,
        "xtick.color": GREY,
        "ytick.color": GREY,
        "xtick.labelsize": 11,
        "ytick.labelsize": 11,
        "legend.frameon": False,
        "legend.fontsize": 11,
        "font.size": 12,
        "figure.figsize": (9, 4.8),
        "figure.dpi": 100,
        "savefig.dpi": 110,
        # Every chart lays itself out (constrained layout), so a saved chart needs no "tight"
        # crop: that would draw each chart twice, once to measure and once to save.
        "savefig.bbox": "standard",
        "lines.linewidth": 2.2,
        # Glyphs drawn as designed, not reshaped to the pixel grid by FreeType's autohinter:
        # the same text to the eye at the size a chart is stored, for about a fifth less of the
        # time it takes to draw a chart full of labels.
        "text.hinting": "no_hinting",
    }


def use_house_style() -> None:
    """Apply the house style to every chart drawn after this call in the current kernel."""
    mpl.rcParams.update(house_rc())


@contextmanager
def house_style() -> Iterator[None]:
    """Apply the house style only inside a ``with`` block."""
    with mpl.rc_context(house_rc()):
        yield


def new_figure(title: str | None = None, *, size: tuple[float, float] = (9, 4.8),
               ncols: int = 1, nrows: int = 1,
               figure_title: bool = False) -> tuple[Figure, Any]:
    """Return ``(figure, axes)`` for a new chart in the house style, with an optional title.

    The figure is not attached to pyplot, so it is shown only when passed to :func:`show` and
    never twice. ``ncols`` or ``nrows`` above 1 return an array of axes (side by side, or a
    grid). The title goes over a single chart's axes; over the whole figure, from its left edge,
    when there are several axes, or with ``figure_title=True`` for one chart whose long tick
    labels push its axes so far right that an axes title would run off the chart.
    """
    if title is not None and not isinstance(title, str):
        raise UsageError(f"a chart title is text, not {type(title).__name__}.")
    for name, count in (("ncols", ncols), ("nrows", nrows)):
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise UsageError(f"{name} counts the charts in the figure: whole numbers of 1 or "
                             f"more, not {count!r}.")
    with house_style():
        fig = Figure(figsize=size, layout="constrained")
        axes = fig.subplots(nrows, ncols)
        if title:
            if nrows == ncols == 1 and not figure_title:
                axes.set_title(title)
            else:
                fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=14)
    return fig, axes


def _check_text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise UsageError(f"the {what} of a chart is text, not {type(value).__name__}.")
    text = " ".join(value.split())
    if not text:
        raise UsageError(f"every chart needs its {what}; it was empty.")
    if len(text) > limit:
        raise UsageError(f"the {what} has {len(text)} characters; keep it under {limit}.")
    return text


def finish(fig: Figure, *, source: str, alt: str) -> Figure:
    """Write ``Source: …`` under the chart and attach its alt text; return the figure.

    ``source`` names the data and cites ids from the source list, e.g.
    ``"UCDP Battle-Related Deaths v24.1 [UCDP-BRD-24.1]"``. ``alt`` describes what the chart
    shows for a reader who cannot see it: the kind of chart and its main finding.
    """
    if not isinstance(fig, Figure):
        raise UsageError(f"finish() takes a matplotlib Figure, not {type(fig).__name__}.")
    source_text = _check_text(source, "source", 300)
    alt_text = _check_text(alt, "alt text", MAX_ALT_CHARS)
    for text in list(fig.texts):
        if text.get_gid() == SOURCE_KEY:
            text.remove()
    label = source_text if source_text.startswith(SOURCE_PREFIX) else SOURCE_PREFIX + source_text
    # constrained layout keeps the source line clear of the axes as a figure-level caption
    caption = fig.supxlabel(label, x=0.01, ha="left", fontsize=9.5, color=GREY, wrap=True)
    caption.set_gid(SOURCE_KEY)
    setattr(fig, ALT_KEY, alt_text)
    setattr(fig, SOURCE_KEY, label)
    return fig


def source_of(fig: Figure) -> str | None:
    """Return the source line written under a finished chart, or None."""
    return getattr(fig, SOURCE_KEY, None)


def alt_text_of(fig: Figure) -> str | None:
    """Return the alt text attached to a finished chart, or None."""
    return getattr(fig, ALT_KEY, None)


#: Colours kept in a stored chart. The charts use a handful of flat colours plus the shades that
#: anti-aliasing adds, so a 256-colour palette PNG looks the same as the full-colour one at about
#: a third of the bytes (the notebooks stay small enough to open and download quickly).
PNG_COLOURS = 256


def save_dpi(fig: Figure) -> float:
    """Return the resolution a chart is stored at: ``savefig.dpi``, or the figure's own."""
    wanted = mpl.rcParams["savefig.dpi"]
    return float(fig.dpi if wanted == "figure" else wanted)


@contextmanager
def at_save_dpi(fig: Figure) -> Iterator[None]:
    """Give ``fig`` the resolution it is stored at (:func:`save_dpi`) inside the block only.

    Text measured inside (laying out, placing labels) has the sizes the stored chart draws,
    so storing it measures nothing again; the figure keeps its own dpi for everything else.
    """
    shown_dpi, fig.dpi = fig.dpi, save_dpi(fig)
    try:
        yield
    finally:
        fig.dpi = shown_dpi


def figure_png(fig: Figure) -> bytes:
    """Return the chart as PNG bytes (for saving, or for looking at it outside Jupyter).

    The chart is drawn once, straight to an image, at the ``savefig.dpi`` in force, and stored
    as a palette PNG: the same pixels to the eye, about a third of the size of matplotlib's
    full-colour PNG. It is drawn at the figure's own size whatever ``savefig.bbox`` says: the
    charts lay themselves out, and a tight crop would draw each one again. (``savefig`` itself
    draws a chart with a layout engine twice, a dry run and then the picture: twice the cost of
    a chart, the slowest step of a lesson and of an explorer's redraw.)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    # an Agg canvas the chart already has keeps its renderer, and with it the sizes of texts
    # measured when the chart was laid out (helpers.charts places labels that way)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    with at_save_dpi(fig):
        canvas.draw()
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA",
                                 0, 1)
        palette = image.convert("RGB").quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE,
                                                dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG")
    return buffer.getvalue()


def _html_for(fig: Figure, png: str) -> str:
    alt = alt_text_of(fig) or ""
    described = html.escape(f"{alt} {source_of(fig) or ''}".strip(), quote=True)
    return (f'<figure class="course-chart" style="margin:0">'
            f'<img src="data:image/png;base64,{png}" alt="{described}" '
            f'style="max-width:100%;height:auto"></figure>')


def chart_html(fig: Figure) -> str:
    """Return a finished chart as an HTML ``<figure>`` whose ``<img>`` carries the alt text."""
    if alt_text_of(fig) is None:
        raise UsageError("call finish(fig, source=..., alt=...) before showing a chart.")
    return _html_for(fig, base64.b64encode(figure_png(fig)).decode("ascii"))


class ChartOutput:
    """A finished chart as Jupyter displays it: PNG with alt text, plain-text description."""

    def __init__(self, fig: Figure) -> None:
        if alt_text_of(fig) is None:
            raise UsageError("call finish(fig, source=..., alt=...) before showing a chart.")
        self.fig = fig

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[
            Mapping[str, Any], Mapping[str, Any]]:
        alt = alt_text_of(self.fig) or ""
        png = base64.b64encode(figure_png(self.fig)).decode("ascii")
        text = f"Chart: {alt}\n{source_of(self.fig) or ''}"
        # JupyterLab and nbconvert prefer the HTML form, whose <img> carries the alt text (the
        # PNG renderer of JupyterLab ignores alt metadata); other front ends use the PNG.
        # The chart is drawn once; both forms carry the same PNG.
        return ({"image/png": png, "text/html": _html_for(self.fig, png), "text/plain": text},
                {"image/png": {"alt": alt}})

    def __repr__(self) -> str:
        return f"Chart: {alt_text_of(self.fig)}\n{source_of(self.fig)}"


def show(fig: Figure, *, source: str | None = None, alt: str | None = None) -> None:
    """Display a chart in the notebook, with its source line and alt text.

    Pass ``source`` and ``alt`` for a chart you drew yourself; a chart from
    :mod:`helpers.charts` is finished already and needs neither.
    """
    from IPython.display import display

    if source is None and alt is None:
        if alt_text_of(fig) is None:
            raise UsageError("show() needs source=... and alt=... for a chart you drew "
                             "yourself (charts from helpers.charts carry their own).")
    else:
        finish(fig, source=source, alt=alt)  # type: ignore[arg-type]
    display(ChartOutput(fig))
