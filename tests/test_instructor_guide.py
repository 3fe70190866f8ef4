"""The instructor guide stays in step with the course: ids, sources, key links and commands."""

from __future__ import annotations

import re

from helpers.data import load_table
from helpers.exercises.bank import load_bank
from helpers.paths import PROJECT_DIR, notebooks_dir

GUIDE = PROJECT_DIR / "docs" / "instructor-guide.md"
#: The made-up id of the how-to's "adding an exercise" example.
EXAMPLE_IDS = {"02-my-question"}


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_the_readme_links_the_guide() -> None:
    assert "(docs/instructor-guide.md)" in (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_every_exercise_id_named_in_the_guide_exists() -> None:
    named = set(re.findall(r"`(0\d-[a-z0-9-]+)`", guide())) - EXAMPLE_IDS
    assert named, "the guide names no exercises"
    assert named <= set(load_bank().exercises), named - set(load_bank().exercises)


def test_every_cited_source_is_in_the_source_list() -> None:
    cited = set(re.findall(r"\[([A-Z][A-Z0-9]*(?:[.\-][A-Z0-9]+)+|[A-Z]{3,}[0-9]*)\]", guide()))
    ids = set(load_table("sources")["id"])
    assert cited and cited <= ids, cited - ids


def test_every_lesson_notebook_has_a_section_linking_its_answer_key() -> None:
    text = guide()
    for notebook in sorted(notebooks_dir().glob("0[0-9]_*.ipynb")):
        assert f"`notebooks/{notebook.name}`" in text, notebook.name
        key = f"answer-key/{notebook.stem}.md"
        assert f"({key})" in text and (PROJECT_DIR / "docs" / key).is_file(), key


def test_relative_links_resolve() -> None:
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", guide()):
        assert (GUIDE.parent / target).exists(), target


def test_the_guide_does_not_paste_the_key() -> None:
    text = " ".join(guide().split())
    for exercise in load_bank().exercises.values():
        if exercise.kind == "reflection":
            assert " ".join(exercise.model_answer.split())[:120] not in text, exercise.id
        explanation = " ".join(exercise.explanation.split())
        assert not explanation or explanation[:120] not in text, exercise.id
