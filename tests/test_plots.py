"""Tests of the chart helpers: the house style, the source line and the alt text."""

from __future__ import annotations

import base64
import io

import matplotlib as mpl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from helpers import plots
from helpers.errors import UsageError


def test_importing_plots_changes_no_style() -> None:
    before = dict(mpl.rcParams)
    import importlib

    importlib.reload(plots)
    assert dict(mpl.rcParams) == before


def test_use_house_style_applies_the_palette() -> None:
    with mpl.rc_context():
        plots.use_house_style()
        colors = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        assert [c.lower() for c in colors[:3]] == ["#0072b2", "#e69f00", "#009e73"]
        assert mpl.rcParams["axes.spines.top"] is False


def test_house_style_context_restores_settings() -> None:
    before = mpl.rcParams["axes.spines.top"]
    with plots.house_style():
        assert mpl.rcParams["axes.spines.top"] is False
    assert mpl.rcParams["axes.spines.top"] == before


def test_palette_is_okabe_ito() -> None:
    assert set(plots.PALETTE.values()) == {
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"}


def test_new_figure_has_title_and_axes() -> None:
    fig, ax = plots.new_figure("Deaths per year")
    assert isinstance(fig, Figure)
    assert ax.get_title(loc="left") == "Deaths per year"
    fig2, axes = plots.new_figure("Two panels", ncols=2)
    assert len(axes) == 2
    assert fig2.get_suptitle() == "Two panels"


def test_new_figure_titles_a_grid_or_a_wide_chart_from_the_figure_s_left_edge() -> None:
    fig, axes = plots.new_figure("Four panels", nrows=2, ncols=2)
    assert axes.shape == (2, 2)
    assert fig.get_suptitle() == "Four panels"
    assert fig._suptitle.get_horizontalalignment() == "left"
    assert all(ax.get_title(loc="left") == "" for ax in axes.ravel())
    # one chart whose long tick labels would push an axes title off the chart
    fig, ax = plots.new_figure("Long labels", figure_title=True)
    assert fig.get_suptitle() == "Long labels" and ax.get_title(loc="left") == ""
    fig, ax = plots.new_figure("One chart")
    assert fig.get_suptitle() == "" and ax.get_title(loc="left") == "One chart"


@pytest.mark.parametrize("kwargs", [{"ncols": 0}, {"nrows": -1}, {"nrows": 1.5},
                                    {"ncols": True}, {"nrows": "2"}])
def test_new_figure_refuses_a_grid_that_is_not_whole_positive_numbers(kwargs: dict) -> None:
    with pytest.raises(UsageError, match="whole numbers of 1 or more"):
        plots.new_figure("x", **kwargs)


def test_finish_writes_source_under_the_chart_and_sets_alt_text() -> None:
    fig, ax = plots.new_figure("A chart")
    ax.plot([2019, 2020, 2021], [1, 3, 2])
    plots.finish(fig, source="UCDP v24.1 [UCDP-BRD-24.1]", alt="Line chart: peak in 2020.")
    captions = [t for t in fig.texts if t.get_gid() == plots.SOURCE_KEY]
    assert len(captions) == 1
    assert captions[0].get_text() == "Source: UCDP v24.1 [UCDP-BRD-24.1]"
    # the caption sits below the axes
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    assert captions[0].get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0
    assert plots.alt_text_of(fig) == "Line chart: peak in 2020."
    assert plots.source_of(fig) == "Source: UCDP v24.1 [UCDP-BRD-24.1]"


def test_finish_twice_keeps_one_source_line() -> None:
    fig, _ = plots.new_figure()
    plots.finish(fig, source="Source: A", alt="first")
    plots.finish(fig, source="B", alt="second")
    captions = [t.get_text() for t in fig.texts if t.get_gid() == plots.SOURCE_KEY]
    assert captions == ["Source: B"]
    assert plots.alt_text_of(fig) == "second"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "", "alt": "x"}, "needs its source"),
        ({"source": "   ", "alt": "x"}, "needs its source"),
        ({"source": "S", "alt": ""}, "needs its alt text"),
        ({"source": None, "alt": "x"}, "source of a chart is text, not NoneType"),
        ({"source": "S", "alt": 3}, "alt text of a chart is text, not int"),
        ({"source": "S", "alt": "x" * 5000}, "keep it under 1500"),
    ],
)
def test_finish_refuses_missing_or_bad_text(kwargs: dict, message: str) -> None:
    fig, _ = plots.new_figure()
    with pytest.raises(UsageError, match=message):
        plots.finish(fig, **kwargs)


def test_finish_refuses_a_non_figure() -> None:
    with pytest.raises(UsageError, match="takes a matplotlib Figure, not str"):
        plots.finish("chart", source="S", alt="A")  # type: ignore[arg-type]


def test_new_figure_title_of_wrong_type() -> None:
    with pytest.raises(UsageError, match="title is text"):
        plots.new_figure(42)  # type: ignore[arg-type]


def test_html_in_alt_text_stays_plain_text() -> None:
    fig, _ = plots.new_figure()
    plots.finish(fig, source="S", alt="<script>alert(1)</script>")
    bundle, meta = plots.ChartOutput(fig)._repr_mimebundle_()
    assert "<script>" not in bundle["text/html"]
    assert 'alt="&lt;script&gt;alert(1)&lt;/script&gt; Source: S"' in bundle["text/html"]
    assert meta["image/png"]["alt"] == "<script>alert(1)</script>"


def test_chart_output_carries_png_alt_and_text() -> None:
    fig, ax = plots.new_figure("T")
    ax.bar(["a", "b"], [1, 2])
    plots.finish(fig, source="World Bank [WB-WDI]", alt="Bar chart of two values.")
    bundle, meta = plots.ChartOutput(fig)._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert meta == {"image/png": {"alt": "Bar chart of two values."}}
    assert bundle["text/plain"] == "Chart: Bar chart of two values.\nSource: World Bank [WB-WDI]"
    assert f'<img src="data:image/png;base64,{bundle["image/png"]}"' in bundle["text/html"]
    assert 'alt="Bar chart of two values. Source: World Bank [WB-WDI]"' in bundle["text/html"]


def test_chart_output_needs_a_finished_figure() -> None:
    fig, _ = plots.new_figure()
    with pytest.raises(UsageError, match="call finish"):
        plots.ChartOutput(fig)


def test_show_displays_the_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig, _ = plots.new_figure()
    plots.show(fig, source="S [X]", alt="Alt")
    assert len(shown) == 1 and isinstance(shown[0], plots.ChartOutput)
    assert repr(shown[0]) == "Chart: Alt\nSource: S [X]"


def test_figure_png_is_a_png() -> None:
    fig, _ = plots.new_figure()
    assert plots.figure_png(fig).startswith(b"\x89PNG")


def test_show_a_finished_chart_without_repeating_source(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig, _ = plots.new_figure()
    plots.finish(fig, source="S", alt="A")
    plots.show(fig)
    assert repr(shown[0]) == "Chart: A\nSource: S"


def test_show_an_unfinished_chart_without_source_says_what_to_do() -> None:
    fig, _ = plots.new_figure()
    with pytest.raises(UsageError, match=r"show\(\) needs source=\.\.\. and alt=\.\.\."):
        plots.show(fig)
    with pytest.raises(UsageError, match=r"needs its alt text|alt text of a chart is text"):
        plots.show(fig, source="S")


def test_chart_html_carries_alt_text_and_refuses_unfinished_charts() -> None:
    fig, _ = plots.new_figure()
    with pytest.raises(UsageError, match="call finish"):
        plots.chart_html(fig)
    plots.finish(fig, source="S [X]", alt='A "quoted" <b>chart</b>')
    markup = plots.chart_html(fig)
    assert markup.startswith('<figure class="course-chart"')
    assert 'alt="A &quot;quoted&quot; &lt;b&gt;chart&lt;/b&gt; Source: S [X]"' in markup


def test_figure_png_is_a_small_palette_png_of_the_same_picture() -> None:
    from PIL import Image, ImageChops

    fig, ax = plots.new_figure("Palette")
    ax.bar(["a", "b", "c"], [1, 3, 2], color=[plots.PALETTE["blue"], plots.PALETTE["orange"],
                                              plots.PALETTE["green"]])
    plots.finish(fig, source="S [X]", alt="Bars.")
    stored = plots.figure_png(fig)
    full = io.BytesIO()
    fig.savefig(full, format="png")
    assert len(stored) < len(full.getvalue())
    with Image.open(io.BytesIO(stored)) as small, Image.open(full) as reference:
        assert small.mode == "P" and small.size == reference.size
        difference = ImageChops.difference(small.convert("RGB"), reference.convert("RGB"))
        # the palette keeps the flat colours of bars, text and axes as they were
        assert max(band[1] for band in difference.getextrema()) <= 32


def test_chart_output_draws_the_chart_once(monkeypatch: pytest.MonkeyPatch) -> None:
    fig, _ = plots.new_figure()
    plots.finish(fig, source="S", alt="A")
    drawn = []
    real = plots.figure_png
    monkeypatch.setattr(plots, "figure_png", lambda f: drawn.append(f) or real(f))
    plots.ChartOutput(fig)._repr_mimebundle_()
    assert drawn == [fig]
