"""Sealed exercise files for the student release: answers that checking can read, a search cannot.

The student release (``python -m helpers.release``) rewrites each ``data/exercises/NN_slug.toml``
so that an exercise keeps only its ``kind`` in plain text; everything else (id, question,
options, answers, tolerances, explanations, hints, model answers) is one ``sealed`` string of the
letters a to p (the id too, because an author's id can name the answer, as ``00-glossary-isaf``
does)::

    salt = "gbhcmdoa…"        # chosen per release, written in the same letters
    [[exercise]]
    kind = "single_choice"
    sealed = "kebmaopd…"

Each byte is written as two letters from a to p (one per half-byte) rather than as hex digits,
so a sealed file holds no digits at all: searching it for an answer's number finds nothing, not
even by chance inside a long string.

The sealed string is the exercise's table as JSON, XOR-ed with a keystream of SHA-256 blocks of
the release's salt, the file's name, the exercise's place in it and a counter, behind an 8-byte
checksum of the plain JSON. The
bank unseals a file when it reads it (:func:`unseal_document`) and then parses the exercise exactly
as it parses an instructor's file, so every answer is graded by the same code against the same
fields, and grades the same.

This is obfuscation, not secrecy: the salt and this code travel with the release, because the
notebooks must grade offline, so a student who reads this module can decode the answers with a
few lines of Python. What it does guarantee is that no answer, number or explanation can be
found by searching or skimming the files. (A salted hash of each answer would not do better:
a multiple-choice answer is one of a handful of options and can be found by hashing each of
them, and a number with a tolerance or a text with typing slips cannot be graded from a hash.)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from helpers.errors import DataError
from helpers.exercises.schema import Problem

#: Fields kept in plain text in a sealed exercise; all others are sealed.
PLAIN_FIELDS = ("kind",)
SALT_PATTERN = re.compile(r"[0-9A-Za-z_-]{8,64}")
_CHECK_BYTES = 8
_LETTERS = "abcdefghijklmnop"
_LETTER_PATTERN = re.compile(r"(?:[a-p]{2})+")


def _to_letters(data: bytes) -> str:
    return "".join(_LETTERS[b >> 4] + _LETTERS[b & 15] for b in data)


def _from_letters(text: str) -> bytes:
    if not _LETTER_PATTERN.fullmatch(text):
        raise ValueError("not an even number of letters a to p")
    return bytes((ord(text[i]) - 97) * 16 + ord(text[i + 1]) - 97 for i in range(0, len(text), 2))
_CONTEXT = b"afghanistan-course-release-v1"


def _keystream(salt: str, where: str, length: int) -> bytes:
    seed = hashlib.sha256(_CONTEXT + b"\x00" + salt.encode() + b"\x00" +
                          where.encode()).digest()
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hashlib.sha256(seed + counter.to_bytes(8, "big")).digest())
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def check_salt(salt: object) -> str:
    """Return ``salt`` if it can seal a release (8-64 letters, digits, - or _), else raise."""
    if not isinstance(salt, str) or not SALT_PATTERN.fullmatch(salt):
        raise DataError(f"the salt must be 8 to 64 letters, digits, '-' or '_', not {salt!r}.")
    return salt


def seal_exercise(raw: Mapping[str, Any], salt: str, where: str) -> dict[str, str]:
    """Return the sealed form of one raw exercise table: its kind and the sealed rest.

    ``where`` names the exercise's place, ``"02_doha#3"`` (file stem and position from 1); it
    goes into the key, so an exercise unseals only in its own place. Raises :class:`DataError`
    when the table holds a value that JSON cannot carry unchanged (a TOML date or time): such a
    value would not grade the same after unsealing.
    """
    check_salt(salt)
    exercise_id = raw.get("id")
    if not isinstance(exercise_id, str) or not exercise_id:
        raise DataError("an exercise without a text id cannot be sealed; run "
                        "`python -m helpers.exercises` and fix the file first.")
    rest = {k: v for k, v in raw.items() if k not in PLAIN_FIELDS}
    try:
        text = json.dumps(rest, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DataError(f"exercise '{exercise_id}' holds a value that cannot be sealed ({exc}); "
                        "write dates as text in quotes, \"2021-08-15\".") from None
    if json.loads(text) != rest:
        raise DataError(f"exercise '{exercise_id}' holds a value that would change when sealed; "
                        "write dates as text in quotes, \"2021-08-15\".")
    data = text.encode("utf-8")
    payload = hashlib.sha256(data).digest()[:_CHECK_BYTES] + data
    sealed = _to_letters(_xor(payload, _keystream(salt, where, len(payload))))
    out = {}
    if "kind" in raw:
        out["kind"] = str(raw["kind"])
    out["sealed"] = sealed
    return out


def unseal_exercise(entry: Mapping[str, Any], salt: str, where: str) -> dict[str, Any]:
    """Return the raw exercise table of a sealed entry, or raise :class:`DataError` saying why."""
    sealed = entry.get("sealed")
    if not isinstance(sealed, str):
        raise DataError("the sealed text must be a string of the letters a to p.")
    try:
        payload = _from_letters(sealed)
    except ValueError:
        raise DataError("the sealed text is damaged (it must be pairs of the letters a to "
                        "p only).") from None
    plain = _xor(payload, _keystream(salt, where, len(payload)))
    check, data = plain[:_CHECK_BYTES], plain[_CHECK_BYTES:]
    if len(plain) <= _CHECK_BYTES or hashlib.sha256(data).digest()[:_CHECK_BYTES] != check:
        raise DataError("the sealed text does not match this release's salt and its place in "
                        "the file (it was changed, moved, or copied from another release).")
    rest = json.loads(data.decode("utf-8"))
    return {**rest, **{k: entry[k] for k in PLAIN_FIELDS if k in entry}}


def is_sealed(doc: object) -> bool:
    """True when a parsed exercise file is a sealed one (it has a top-level ``salt``)."""
    return isinstance(doc, dict) and "salt" in doc


def unseal_document(doc: dict[str, Any], *, file: str,
                    stem: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Return a sealed file's document with every exercise unsealed, and the problems found.

    An exercise that cannot be unsealed is reported (file, exercise ``#n``, field ``sealed``)
    and left out, so the others still work. A damaged salt makes the whole file unreadable:
    the document is then None.
    """
    problems: list[Problem] = []
    try:
        written = doc.get("salt")
        salt = check_salt(_from_letters(written).decode("utf-8") if isinstance(written, str)
                          else written)
    except ValueError as exc:  # DataError and UnicodeDecodeError are ValueErrors
        return None, [Problem(file, f"field 'salt': {exc} Rebuild the student "
                                          "release with `python -m helpers.release`.")]
    out = {k: v for k, v in doc.items() if k != "salt"}
    entries = doc.get("exercise", [])
    if not isinstance(entries, list):
        return out, []  # parse_document reports the shape
    unsealed = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "sealed" not in entry:
            unsealed.append(entry)
            continue
        try:
            unsealed.append(unseal_exercise(entry, salt, f"{stem}#{index}"))
        except DataError as exc:
            problems.append(Problem(file, f"{exc} Rebuild the student release with "
                                    "`python -m helpers.release`.", f"#{index}", "sealed"))
    out["exercise"] = unsealed
    return out, problems


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)  # a JSON string of ASCII is a TOML basic string


def sealed_file_text(doc: Mapping[str, Any], salt: str, *, stem: str, note: str = "") -> str:
    """Return the TOML text of an exercise file (named ``stem``.toml) with every exercise
    sealed."""
    lines = [f"# {line}".rstrip() for line in note.splitlines()] if note else []
    for key in ("title", "notebook"):
        if isinstance(doc.get(key), str):
            lines.append(f"{key} = {_toml_string(doc[key])}")
    lines.append(f"salt = {_toml_string(_to_letters(check_salt(salt).encode()))}")
    for index, raw in enumerate(doc.get("exercise", []), start=1):
        sealed = seal_exercise(raw, salt, f"{stem}#{index}")
        lines.append("")
        lines.append("[[exercise]]")
        lines += [f"{key} = {_toml_string(value)}" for key, value in sealed.items()]
    return "\n".join(lines) + "\n"
