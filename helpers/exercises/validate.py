"""Command line: check every exercise file and print one line per problem.

Run ``python -m helpers.exercises`` (or ``python -m helpers.exercises.validate``) from anywhere;
give file paths to check only those files. The exit status is 0 when every file is clean and 1
when there is any problem; each problem is one line such as
``data/exercises/02_doha.toml: exercise '02-x', field 'answer': ...``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.errors import CourseError

USAGE = """usage: python -m helpers.exercises [FILE.toml ...]

Check the exercise files (default: every file in data/exercises/) and print one line per
problem. Exit status 0 when all are clean, 1 otherwise."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the validator; return the exit status (0 clean, 1 problems)."""
    from helpers.exercises.bank import check_files, exercise_files

    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(USAGE)
        return 0
    try:
        paths = [Path(a) for a in args] if args else exercise_files()
        if not paths:
            print("data/exercises: there are no exercise files (*.toml).")
            return 1
        bank, problems = check_files(paths)
    except CourseError as exc:
        print(f"error: {exc}")
        return 1
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
              f"{len(bank.files)} file{'s' if len(bank.files) != 1 else ''}.", file=sys.stderr)
        return 1
    print(f"All {len(bank.exercises)} exercises in {len(bank.files)} "
          f"file{'s' if len(bank.files) != 1 else ''} are valid.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
