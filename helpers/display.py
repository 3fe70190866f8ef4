"""Display a live widget so that it still says something where widgets cannot run.

GitHub, nbviewer and PDF exports cannot run ipywidgets; they show the ``text/html`` or
``text/plain`` form stored with an output. :func:`widget_bundle` gives a widget's display bundle
those forms too. JupyterLab and Voilà render the widget view (it ranks above HTML), the others
show the static HTML, and nbval compares the static text, which depends only on the content.
"""

from __future__ import annotations

from typing import Any


def widget_bundle(widget: Any, *, text: str, html: str) -> dict[str, Any]:
    """Return the display bundle of ``widget`` with static text/plain and text/html forms."""
    bundle = dict(widget._repr_mimebundle_())
    bundle["text/plain"] = text
    bundle["text/html"] = html
    return bundle


class FoldedTable:
    """A table behind a disclosure: a one-line summary the reader opens to see the rows.

    Shown as ``<details><summary>…</summary><table>…</table></details>`` in JupyterLab, Voilà,
    GitHub and nbviewer (text in cells is escaped), and as the summary plus the plain table in
    a text-only view. Keeps a long table from pushing the next exercise far down the page.
    """

    def __init__(self, frame: Any, summary: str) -> None:
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            from helpers.errors import UsageError

            raise UsageError(f"folded_table() takes a pandas DataFrame, not "
                             f"{type(frame).__name__}.")
        if not isinstance(summary, str) or not summary.strip():
            from helpers.errors import UsageError

            raise UsageError("folded_table() needs a summary: the line the reader clicks to "
                             "open the table, e.g. 'The claims, one per row (open to read)'.")
        self.frame = frame
        self.summary = summary

    def _repr_html_(self) -> str:
        import html

        return (f"<details class='course-details'><summary>{html.escape(self.summary)} "
                f"({len(self.frame)} rows)</summary>{self.frame.to_html(escape=True)}</details>")

    def __repr__(self) -> str:
        return f"{self.summary} ({len(self.frame)} rows)\n{self.frame.to_string()}"


def folded_table(frame: Any, summary: str) -> FoldedTable:
    """Return ``frame`` shown behind a disclosure labelled ``summary`` (open with a click or
    Enter), so a long table does not sit between a chart and the exercise that uses it."""
    return FoldedTable(frame, summary)
