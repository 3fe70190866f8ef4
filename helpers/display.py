"""Display a live widget so that it still says something where widgets cannot run.

GitHub, nbviewer and PDF exports cannot run ipywidgets; they show the ``text/html`` or
``text/plain`` form stored with an output. :func:`widget_bundle` gives a widget's display bundle
those forms too. JupyterLab and Voilà render the widget view (it ranks above HTML), the others
show the static HTML, and nbval compares the static text, which depends only on the content.
"""

from __future__ import annotations

import html
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


#: Parts of the page that hold the course's own controls.
CONTROL_AREAS = (".course-exercise, .course-explorer, .course-progress, .course-risk-matrix, "
                 ".course-decision-form, .course-keys")
# Keys: JupyterLab keeps leaving a control (Tab, Escape), running the cell (Shift+Enter) and every
# shortcut with Ctrl, Alt or Meta (save, undo, copy...); the control gets all the others.
_KEYS_JS = (
    "document.addEventListener('focusin',function(e){"
    "var t=e.target,a=t&&t.closest&&t.closest(areas);"
    "if(!a||a.__courseKeys)return;a.__courseKeys=1;"
    "a.addEventListener('keydown',function(k){"
    "if(k.ctrlKey||k.metaKey||k.altKey||['Tab','Escape'].indexOf(k.key)>=0"
    "||(k.shiftKey&&k.key==='Enter'))return;k.stopPropagation();});},true);"
)
# Names: a slider's handle (role=slider) gets its widget's description as aria-label, with
# "from"/"to" on the two handles of a range; ipywidgets writes the description in a <label> that
# is tied to no element, so a screen reader would announce a nameless slider.
_NAMES_JS = (
    "function name(){document.querySelectorAll('.noUi-handle[role=slider]:not([aria-label])')"
    ".forEach(function(h){if(!h.closest(areas))return;"
    "var s=h.closest('.widget-slider, .widget-hslider, .widget-vslider'),"
    "l=s&&s.querySelector('.widget-label'),n=l?l.textContent.trim():'';if(!n)return;"
    "var two=s.querySelectorAll('.noUi-handle').length>1;"
    "h.setAttribute('aria-label',two?n+(h.classList.contains('noUi-handle-upper')?', to':"
    "', from'):n);});}"
    "var q=0;name();new MutationObserver(function(){if(q)return;q=1;"
    "requestAnimationFrame(function(){q=0;name();});})"
    ".observe(document.body,{childList:true,subtree:true});"
)
_GUARD_JS = ("(function(){if(window.__courseControls)return;window.__courseControls=1;"
             f"var areas='{CONTROL_AREAS}';{_KEYS_JS}{_NAMES_JS}}})()")
#: What the access helper does, in the browser, for the course's controls (and nothing else):
#:
#: - Keys. In JupyterLab's command mode the notebook takes the arrow keys, Space, Enter and
#:   letters (they move the active cell, enter edit mode, insert cells...) whenever the focused
#:   element is not editable text, so a radio button, check box, drop-down, slider or button in an
#:   output would never get them. JupyterLab listens for keys on the document as they bubble up;
#:   once the focus is inside a course control, they are stopped at the control's own area —
#:   after the control has acted on them, before JupyterLab sees them. Outside JupyterLab this
#:   changes nothing.
#: - Names. Slider handles get their description as an accessible name.
#:
#: It is carried by an HTML widget, as an image that fails to load and whose ``onerror`` runs the
#: script: ipywidgets set HTML as markup, where a <script> element never runs, and a widget works
#: alike in JupyterLab, Voilà and a static page of saved widgets, trusted or not.
ACCESS_HELPER_HTML = (f'<img src="data:," alt="" hidden class="course-access-helper" '
                      f'onerror="{html.escape(_GUARD_JS, quote=True)}">')


def access_helper() -> Any:
    """Return an invisible HTML widget that makes the course's controls usable by keyboard in
    JupyterLab and names its sliders (see :data:`ACCESS_HELPER_HTML`)."""
    import ipywidgets as w

    helper = w.HTML(value=ACCESS_HELPER_HTML, layout=w.Layout(height="0px", margin="0"))
    helper.add_class("course-access-helper")
    return helper
