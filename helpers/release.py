"""Build the student release: a copy of the course whose files do not show the answers.

Run from the course checkout::

    python -m helpers.release ../afghanistan-student            # a new, empty folder
    python -m helpers.release ../afghanistan-student --force    # replace an earlier release
    python -m helpers.release OUTDIR --salt class-2026-autumn   # a chosen salt (default: random)

The release holds what a student needs: the notebooks, the data, the helpers package, the README,
requirements.txt, pyproject.toml, the citation file and the licences. Left out: the tests, the
benchmarks, CI scripts, the data build script, instructor documents (``docs/instructor-guide.md``,
``docs/answer-key/``, any path naming "instructor", "answer-key" or "answer_key") and the
exercise authoring guide (``data/exercises/README.md``). In it:

* every exercise file is sealed (:mod:`helpers.exercises.seal`): only kinds are plain
  text; ids, questions, options, answers, tolerances, explanations and hints are encoded with a salt
  chosen per release, and unsealed in memory when a notebook grades, so answers grade exactly as
  in the instructor version;
* notebook cells tagged ``instructor`` (cell metadata tags) are removed;
* the notebooks are re-executed in the release, so their stored outputs show exercises without
  their choices; saved widget state is dropped (the widgets are built again when a cell runs).

This is obfuscation, not secrecy: the notebooks must grade offline, so the key travels with the
release. See ``STUDENT-RELEASE.md`` in a built release. The source checkout is never changed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from helpers.errors import CourseError, DataError, UsageError
from helpers.paths import PROJECT_DIR

#: Top-level files and folders a student copy keeps; everything else is left out.
KEEP_TOP = ("notebooks", "data", "helpers", "docs", "README.md", "LICENSE",
            "LICENSE-CONTENT.md", "CITATION.cff", "requirements.txt", "pyproject.toml",
            ".gitignore")
#: Instructor commands inside helpers/: no notebook imports them, and the answer-key command would
#: print every answer in plain text from a release's sealed files.
INSTRUCTOR_MODULES = ("helpers/answer_key.py", "helpers/class_report.py", "helpers/release.py")
#: Paths (or folders) inside the kept ones that are for instructors and authors only.
DROP_PATHS = ("data/exercises/README.md", "data/build", "docs/instructor-guide.md",
              "docs/answer-key", *INSTRUCTOR_MODULES)
#: Words that mark a file or folder outside helpers/ as for instructors.
DROP_WORDS = ("instructor", "answer-key", "answer_key")
INSTRUCTOR_TAG = "instructor"
MARKER = ".student-release.json"
WIDGET_MIME = ("application/vnd.jupyter.widget-view+json",
               "application/vnd.jupyter.widget-state+json")
SANITIZE_CFG = "tests/nbval_sanitize.cfg"
SEAL_NOTE = ("Student release: each exercise is sealed (see helpers/exercises/seal.py). The\n"
             "notebooks unseal it when they grade. Edit the instructor version, not this file.")

NOTE_MD = """\
# This is the student release

This copy of the course was built with `python -m helpers.release` from the instructor version
(commit {commit}). It works like the instructor version (the notebooks run, grade every answer
in the same way, give hints, show the answer after a few tries and save progress) but:

* **The answers are sealed.** The exercise files in `data/exercises/` keep only each exercise's
  kind in plain text; its id, the question, the options, the answer, the explanations and the hints
  are stored encoded, with a salt chosen for this release, and decoded in memory when a notebook
  shows or grades the exercise. Explanations appear after a right answer or after "Show answer".
* **The stored notebook outputs show no choices.** The notebooks were run again in this copy: an
  exercise saved in a notebook shows its question, and its options appear when the cell runs. No
  widget state is stored.
* **Instructor material is left out:** cells tagged `instructor`, the instructor guide, the answer
  key, the tests, the benchmarks, the CI scripts, the data build script and the exercise authoring
  guide.

This is **obfuscation, not cryptographic secrecy.** The notebooks must grade without a server, so
the key travels with the course: someone who reads the code can decode the answers. What it
guarantees is that an answer cannot be found by searching or skimming the files.

**Numbers in the data.** Data questions ask you to compute a number from the course's tables
(`data/*.csv`, `data/derived/`), and some charts, tables and their descriptions in the notebooks
show those same data. So the numbers that answer data questions can be found in the data and in
the charts made from them: that is where you are meant to find them. They are not in the exercise
files, nor in the stored output of any exercise.

To check that the notebooks still produce their stored outputs, run `pytest` in this folder.
"""


@dataclass
class ReleaseReport:
    """What a build made: the folder, the counts and the seconds it took."""

    outdir: Path
    files: int
    exercises: int
    notebooks: int
    instructor_cells: int
    seconds: float


# --------------------------------------------------------------------------------------------
# Which files go in


def _tracked_files(root: Path) -> list[str]:
    """Return the checkout's files as posix paths: git's tracked files, else a folder walk."""
    if (root / ".git").exists() and shutil.which("git"):
        try:
            out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached",
                                  "--others", "--exclude-standard"], check=True,
                                 capture_output=True).stdout
            return [p for p in out.decode("utf-8").split("\0") if p]
        except (subprocess.CalledProcessError, OSError, UnicodeDecodeError):
            pass
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" or
                                      part.endswith(".egg-info") for part in rel.parts[:-1]):
            found.append(rel.as_posix())
    return found


def kept(path: str) -> bool:
    """True when a file (posix path from the checkout's root) belongs in the student release."""
    parts = PurePosixPath(path).parts
    if not parts or parts[0] not in KEEP_TOP:
        return False
    if any(path == d or path.startswith(d + "/") for d in DROP_PATHS):
        return False
    if "__pycache__" in parts:
        return False
    # helpers/ stays whole but for the instructor commands: the package must import as it does in
    # the instructor version
    return parts[0] == "helpers" or not any(w in part.lower() for part in parts
                                            for w in DROP_WORDS)


def release_files(root: Path = PROJECT_DIR) -> list[str]:
    """Return the posix paths of the checkout's files that the student release copies."""
    return sorted(p for p in _tracked_files(root) if kept(p) and (root / p).is_file())


# --------------------------------------------------------------------------------------------
# Notebooks


def strip_instructor_cells(nb: dict[str, Any]) -> int:
    """Remove the cells tagged ``instructor`` from a notebook (as JSON); return how many."""
    cells = nb.get("cells", [])
    keep = [c for c in cells
            if INSTRUCTOR_TAG not in (c.get("metadata", {}).get("tags") or [])]
    nb["cells"] = keep
    return len(cells) - len(keep)


def clear_outputs(nb: dict[str, Any]) -> None:
    """Remove every stored output, execution count and the saved widget state."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)


def drop_widget_state(nb: dict[str, Any]) -> None:
    """Remove saved widget state and widget views, keeping each output's text and HTML."""
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data")
            if isinstance(data, dict):
                for mime in WIDGET_MIME:
                    data.pop(mime, None)


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, nb: dict[str, Any]) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _execute(release: Path, notebooks: list[Path]) -> None:
    """Run the release's notebooks with the release's own helpers, in a fresh kernel each."""
    env = {k: v for k, v in os.environ.items() if k not in ("AFG_COURSE_DATA", "PYTHONPATH")}
    env["PYTHONPATH"] = str(release)
    env.setdefault("MPLBACKEND", "Agg")
    with tempfile.TemporaryDirectory(prefix="afg-release-progress-") as scratch:
        env["AFG_COURSE_PROGRESS"] = str(Path(scratch) / "progress.json")
        done = subprocess.run([sys.executable, "-m", "helpers.execute",
                               *[str(p) for p in notebooks]],
                              cwd=release, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-3000:]
        raise CourseError(f"a notebook failed when run in the student release:\n{tail}")


# --------------------------------------------------------------------------------------------
# The build


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             check=True, capture_output=True, text=True).stdout.strip()
        return out or "unknown"
    except (subprocess.CalledProcessError, OSError):
        return "unknown"


def check_outdir(outdir: str | Path, *, force: bool = False,
                 root: Path = PROJECT_DIR) -> Path:
    """Return the release folder as an absolute path, or raise :class:`UsageError` saying why not.

    Refused: a folder inside the checkout (or one that contains it), a file, an existing folder
    that is not empty (unless ``force`` and it holds an earlier release), and a place that cannot
    be written.
    """
    if not str(outdir).strip():
        raise UsageError("give the folder to build the release in, such as "
                         "../afghanistan-student.")
    target = Path(outdir).expanduser().resolve()
    home = root.resolve()
    if target == home or home in target.parents:
        raise UsageError(f"{target} is inside the course checkout ({home}); build the release "
                         "outside it, such as ../afghanistan-student, so that its files never "
                         "mix with the instructor version.")
    if target in home.parents:
        raise UsageError(f"{target} contains the course checkout; choose a new folder, such as "
                         "../afghanistan-student.")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file, not a folder; choose a new folder.")
    if target.is_dir() and any(target.iterdir()):
        if not force:
            raise UsageError(f"{target} exists and is not empty; choose a new folder, or add "
                             "--force to replace an earlier student release there.")
        if not (target / MARKER).is_file():
            raise UsageError(f"{target} is not empty and does not hold a student release (no "
                             f"{MARKER}); --force replaces only an earlier release. Choose a "
                             "new folder.")
    parent = target.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"cannot create {target}: {probe} is a file, not a folder.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write in {probe}; choose a folder you can write to.")
    return target


def _patched_pyproject(text: str) -> str:
    """Return pyproject.toml for the release: pytest checks the notebooks only.

    Its pytest-xdist setting, ``--dist=loadfile``, keeps each notebook's cells on one worker
    (a notebook is one file); the course's tests/conftest.py, left out, refines that.
    """
    changes = (('testpaths = ["tests", "notebooks"]', 'testpaths = ["notebooks"]'),
               (f"--nbval-sanitize-with={SANITIZE_CFG}",
                "--nbval-sanitize-with=nbval_sanitize.cfg"))
    for old, new in changes:
        if old not in text:
            raise CourseError(f"pyproject.toml no longer holds {old!r}; update "
                              "helpers/release.py to match it.")
        text = text.replace(old, new)
    return text


def _seal_banks(build: Path, root: Path, salt: str) -> int:
    """Seal every exercise file in the release; return the number of exercises sealed."""
    from helpers.exercises.bank import check_files
    from helpers.exercises.seal import sealed_file_text

    folder = root / "data" / "exercises"
    paths = sorted(p for p in folder.glob("*.toml") if not p.name.startswith(("_", ".")))
    bank, problems = check_files(paths)
    if problems:
        lines = "\n".join(f"  {p}" for p in problems[:20])
        raise CourseError(f"the exercise files have problems; fix them before building a "
                          f"release:\n{lines}\nRun `python -m helpers.exercises` to see all.")
    count = 0
    for path in paths:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        out = build / "data" / "exercises" / path.name
        out.write_text(sealed_file_text(doc, salt, stem=path.stem, note=SEAL_NOTE),
                       encoding="utf-8")
        count += len(doc.get("exercise", []))
    if count != len(bank.exercises):
        raise CourseError(f"sealed {count} exercises but the bank holds {len(bank.exercises)}.")
    return count


def build_release(outdir: str | Path, *, force: bool = False, salt: str | None = None,
                  root: Path = PROJECT_DIR, log: Any = None) -> ReleaseReport:
    """Build the student release in ``outdir`` and return what was made.

    The release is built in a temporary folder beside ``outdir`` and moved into place only when
    every step has worked, so a failed build leaves no half-made release. Raises
    :class:`UsageError` for a bad folder or salt and :class:`CourseError` when a step fails.
    """
    from helpers.exercises.seal import check_salt

    started = time.perf_counter()
    say = log or (lambda _msg: None)
    target = check_outdir(outdir, force=force, root=root)
    if salt is None:
        salt = secrets.token_hex(16)
    try:
        check_salt(salt)
    except DataError as exc:
        raise UsageError(f"--salt: {exc}") from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    except OSError as exc:
        raise UsageError(f"cannot write in {target.parent}: {exc.strerror or exc}; choose a "
                         "folder you can write to.") from None
    try:
        files = release_files(root)
        say(f"copying {len(files)} files ...")
        for rel in files:
            dest = build / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, dest)
        (build / "pyproject.toml").write_text(
            _patched_pyproject((root / "pyproject.toml").read_text(encoding="utf-8")),
            encoding="utf-8")
        shutil.copy2(root / SANITIZE_CFG, build / "nbval_sanitize.cfg")
        say("sealing the exercise files ...")
        exercises = _seal_banks(build, root, salt)
        notebooks = sorted((build / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        removed = 0
        for path in notebooks:
            nb = _read_json(path)
            removed += strip_instructor_cells(nb)
            clear_outputs(nb)
            _write_json(path, nb)
        say(f"removed {removed} instructor cell(s); running {len(notebooks)} notebooks ...")
        _execute(build, notebooks)
        for path in notebooks:
            nb = _read_json(path)
            drop_widget_state(nb)
            _write_json(path, nb)
        commit = _commit(root)
        (build / "STUDENT-RELEASE.md").write_text(NOTE_MD.format(commit=commit),
                                                  encoding="utf-8")
        readme = build / "README.md"
        if readme.is_file():
            text = readme.read_text(encoding="utf-8")
            head, _, rest = text.partition("\n")
            readme.write_text(f"{head}\n\n> **Student release.** This copy hides the answers to "
                              "its exercises; see [STUDENT-RELEASE.md](STUDENT-RELEASE.md).\n"
                              f"{rest}", encoding="utf-8")
        (build / MARKER).write_text(json.dumps({"built_from": commit, "exercises": exercises,
                                                "notebooks": len(notebooks)}, indent=1) + "\n",
                                    encoding="utf-8")
        count = sum(1 for p in build.rglob("*") if p.is_file())
        if target.exists():
            shutil.rmtree(target)  # check_outdir allowed it: empty, or an earlier release
        build.rename(target)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return ReleaseReport(target, count, exercises, len(notebooks), removed,
                         time.perf_counter() - started)


# --------------------------------------------------------------------------------------------
# Command line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the release; 0 when built, 2 for a bad argument, 1 when a step fails."""
    parser = _Parser(prog="python -m helpers.release", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", metavar="OUTDIR",
                        help="folder to build the release in (new or empty, outside the checkout)")
    parser.add_argument("--force", action="store_true",
                        help="replace an earlier student release in OUTDIR")
    parser.add_argument("--salt", metavar="TEXT",
                        help="salt to seal the answers with: 8-64 letters, digits, - or _ "
                        "(default: random)")
    args = parser.parse_args(argv)
    try:
        report = build_release(args.outdir, force=args.force, salt=args.salt,
                               log=lambda msg: print(msg, flush=True))
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write the release: {exc.strerror or exc} "
              f"({exc.filename or args.outdir}).", file=sys.stderr)
        return 1
    print(f"Student release built in {report.outdir}: {report.files} files, "
          f"{report.exercises} exercises sealed, {report.notebooks} notebooks run, "
          f"{report.instructor_cells} instructor cell(s) removed, in {report.seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
