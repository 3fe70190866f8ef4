"""Tests of the lazy exports shared by helpers and helpers.exercises."""

from __future__ import annotations

import pytest

import helpers
from helpers._lazy import lazy_exports


def test_names_resolve_on_first_use_and_are_cached() -> None:
    namespace: dict[str, object] = {}
    getattr_, dir_ = lazy_exports("pkg", {"dumps": "json"}, namespace)
    assert "dumps" in dir_()
    import json

    assert getattr_("dumps") is json.dumps
    assert namespace["dumps"] is json.dumps


def test_unknown_name_is_an_attribute_error() -> None:
    getattr_, _ = lazy_exports("pkg", {}, {})
    with pytest.raises(AttributeError, match="module 'pkg' has no attribute 'nope'"):
        getattr_("nope")


def test_every_export_of_helpers_exists() -> None:
    for name in helpers.__all__:
        assert getattr(helpers, name) is not None, name
