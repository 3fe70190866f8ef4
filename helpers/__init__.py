"""Helpers for the Afghanistan teaching collection: data loaders, charts and exercises.

Notebooks import what they need by name, for example::

    from helpers import load_timeline, new_figure, show, use_house_style

Names are resolved lazily (PEP 562), so ``import helpers`` does no work and changes no global
state; each submodule is imported the first time one of its names is used.
"""

from __future__ import annotations

from helpers._lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # errors
    "CourseError": "helpers.errors",
    "DataError": "helpers.errors",
    "UsageError": "helpers.errors",
    # paths
    "data_dir": "helpers.paths",
    "data_path": "helpers.paths",
    # data
    "load_table": "helpers.data",
    "table_names": "helpers.data",
    "table_info": "helpers.data",
    "split_ids": "helpers.data",
    "load_geojson": "helpers.data",
    "load_sources": "helpers.data",
    "load_timeline": "helpers.data",
    "load_claims": "helpers.data",
    "load_doha_commitments": "helpers.data",
    "load_country_positions": "helpers.data",
    "load_key_figures": "helpers.data",
    "load_actors": "helpers.data",
    "load_battle_deaths": "helpers.data",
    "load_refugees": "helpers.data",
    "load_economy": "helpers.data",
    "load_provinces": "helpers.data",
    "load_world": "helpers.data",
    # plots
    "PALETTE": "helpers.plots",
    "use_house_style": "helpers.plots",
    "house_style": "helpers.plots",
    "new_figure": "helpers.plots",
    "finish": "helpers.plots",
    "show": "helpers.plots",
    "figure_png": "helpers.plots",
    # charts and interactive explorers
    "battle_deaths_chart": "helpers.charts",
    "refugees_chart": "helpers.charts",
    "timeline_chart": "helpers.charts",
    "select_events": "helpers.charts",
    "events_table_html": "helpers.charts",
    "format_event_date": "helpers.charts",
    "chart_explorer": "helpers.explore",
    "timeline_explorer": "helpers.explore",
    "date_slider": "helpers.explore",
    # notebook 01: Afghan–US milestones
    "milestones_chart": "helpers.lessons.background",
    "milestones_table_html": "helpers.lessons.background",
    "milestones_explorer": "helpers.lessons.background",
    # notebook 02: the Doha commitments
    "commitments_chart": "helpers.lessons.doha",
    "commitments_table_html": "helpers.lessons.doha",
    "commitments_explorer": "helpers.lessons.doha",
    "select_commitments": "helpers.lessons.doha",
    # notebook 03: the withdrawal, the provincial capitals and the day-by-day strip
    "load_capitals_2021": "helpers.data",
    "capital_status": "helpers.lessons.withdrawal",
    "capitals_fallen": "helpers.lessons.withdrawal",
    "capitals_map": "helpers.lessons.withdrawal",
    "capitals_table_html": "helpers.lessons.withdrawal",
    "capitals_explorer": "helpers.lessons.withdrawal",
    "strip_explorer": "helpers.lessons.withdrawal",
    # notebook 04: recognition
    "stances_on": "helpers.lessons.recognition",
    "stance_map": "helpers.lessons.recognition",
    "stance_map_explorer": "helpers.lessons.recognition",
    "stance_explorer": "helpers.lessons.recognition",
    "six_files_chart": "helpers.lessons.recognition",
    "six_files_table": "helpers.lessons.recognition",
    "economy_chart": "helpers.lessons.recognition",
    "role_card": "helpers.lessons.recognition",
    "role_cards_html": "helpers.lessons.recognition",
    "interests_of": "helpers.lessons.recognition",
    "load_role_interests": "helpers.data",
    "decision_form": "helpers.lessons.recognition",
    "debrief_html": "helpers.lessons.recognition",
    # notebook 05: terrorism risk
    "islamic_state_deaths_chart": "helpers.lessons.terrorism",
    "deaths_scale_explorer": "helpers.lessons.terrorism",
    "lesson_claims": "helpers.lessons.terrorism",
    "claims_evidence_chart": "helpers.lessons.terrorism",
    "claims_evidence_table_html": "helpers.lessons.terrorism",
    "claims_explorer": "helpers.lessons.terrorism",
    "risk_matrix": "helpers.lessons.terrorism",
    "risk_matrix_chart": "helpers.lessons.terrorism",
    "reference_ratings": "helpers.lessons.terrorism",
    "RISK_SCENARIOS": "helpers.lessons.terrorism",
    # maps
    "draw_geojson": "helpers.maps",
    "bounding_box": "helpers.maps",
    "zoom_to": "helpers.maps",
    # exercises
    "show_exercise": "helpers.exercises.api",
    "exercise": "helpers.exercises.api",
    "check": "helpers.exercises.api",
    "progress": "helpers.exercises.api",
    "validate_exercises": "helpers.exercises.api",
    "export_progress": "helpers.exercises.api",
    "make_exercise": "helpers.exercises.api",
    "single_choice": "helpers.exercises.api",
    "select_all": "helpers.exercises.api",
    "number_question": "helpers.exercises.api",
    "text_question": "helpers.exercises.api",
    "ordering_question": "helpers.exercises.api",
    "matching_question": "helpers.exercises.api",
    "data_question": "helpers.exercises.api",
    "reflection_question": "helpers.exercises.api",
    "get_exercise": "helpers.exercises.bank",
    # lessons 00-02 after review (issue 13): long tables behind a disclosure
    "folded_table": "helpers.display",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
