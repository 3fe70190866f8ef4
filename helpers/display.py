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
