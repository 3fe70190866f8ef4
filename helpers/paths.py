"""Where the collection's files are, found from the package and never from the working directory.

The helpers package is installed in editable mode from the checkout (``pip install -r
requirements.txt``), so the project root is the folder above ``helpers/``. An instructor who keeps
the data somewhere else can point the environment variable ``AFG_COURSE_DATA`` at that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.errors import DataError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def data_dir() -> Path:
    """Return the folder that holds the collection's data files.

    It is ``data/`` in the project checkout, or the folder named by ``AFG_COURSE_DATA`` when that
    variable is set. Raises :class:`DataError` when the folder does not exist, saying how to fix it.
    """
    override = os.environ.get("AFG_COURSE_DATA")
    folder = Path(override).expanduser() if override else PROJECT_DIR / "data"
    if not folder.is_dir():
        hint = (
            "AFG_COURSE_DATA names a folder that does not exist"
            if override
            else "the data/ folder is missing next to helpers/; reinstall from a full checkout "
            "with `pip install -r requirements.txt`"
        )
        raise DataError(f"no data folder at {folder}: {hint}.")
    return folder


def data_path(*parts: str) -> Path:
    """Return the path of a file inside the data folder (it need not exist yet)."""
    return data_dir().joinpath(*parts)


def notebooks_dir() -> Path:
    """Return the folder that holds the numbered notebooks."""
    return PROJECT_DIR / "notebooks"
