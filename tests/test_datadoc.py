"""The data dictionary in data/README.md matches data/schema.toml."""

from __future__ import annotations

import pytest

from helpers import datadoc
from helpers.data import schema
from helpers.errors import CourseError


def test_readme_dictionary_is_up_to_date() -> None:
    assert datadoc.main(["--check"]) == 0, (
        "run `python -m helpers.datadoc` and commit data/README.md")


def test_every_table_and_column_is_documented() -> None:
    text = datadoc.dictionary()
    for table in schema().values():
        assert f"`{table.file}`" in text
        for col in table.columns:
            assert f"| `{col.name}` |" in text


def test_updated_readme_keeps_hand_written_parts() -> None:
    text = f"intro\n{datadoc.BEGIN}\nSTALE-DICTIONARY\n{datadoc.END}\noutro\n"
    new = datadoc.updated_readme(text)
    assert new.startswith("intro\n") and new.endswith("\noutro\n") and "STALE-DICTIONARY" not in new


def test_missing_markers_give_a_clear_error() -> None:
    with pytest.raises(CourseError, match="lacks the data-dictionary marker lines"):
        datadoc.updated_readme("no markers here")
