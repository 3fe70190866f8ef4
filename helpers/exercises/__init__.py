"""Exercises as data: eight kinds of exercise, graded by plain functions, shown as widgets.

Exercises live in ``data/exercises/NN_slug.toml`` (schema in ``data/exercises/README.md``). A
notebook shows one with ``show_exercise("02-signatories")``, checks a computed value with
``check("03-deaths-2021", value)`` and shows progress with ``progress()``; ``python -m
helpers.exercises`` validates every file. The modules, one concern each:

* :mod:`~helpers.exercises.grading` - grading functions and number/text parsing (no widgets);
* :mod:`~helpers.exercises.schema` - the exercise fields and their validation;
* :mod:`~helpers.exercises.bank` - loading the files; :mod:`~helpers.exercises.answers` - answer
  keys computed from the data;
* :mod:`~helpers.exercises.progress` - the progress file; :mod:`~helpers.exercises.session` -
  what a click does;
* :mod:`~helpers.exercises.widgets` - the ipywidgets layer; :mod:`~helpers.exercises.render` -
  text and HTML for places without widgets.

Names are imported lazily, so ``import helpers.exercises`` does no work. The progress widget is
``helpers.progress()`` (here ``helpers.exercises.api.progress``), because
``helpers.exercises.progress`` is the module of the progress file.
"""

from __future__ import annotations

from helpers._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    name: "helpers.exercises.api"
    for name in (
        "show_exercise", "exercise", "exercise_view", "check", "validate_exercises",
        "export_progress", "make_exercise", "single_choice", "select_all", "number_question",
        "text_question", "ordering_question", "matching_question", "data_question",
        "reflection_question",
    )
}
_EXPORTS.update({"get_exercise": "helpers.exercises.bank", "Exercise": "helpers.exercises.schema",
                 "Problem": "helpers.exercises.schema", "Result": "helpers.exercises.grading",
                 "ProgressFileWarning": "helpers.exercises.progress"})

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
