"""Every function's str shortcut (used by the batch path) gives exactly what the function gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldwright.engine.functions import REGISTRY, FunctionSpec

WITH_SHORTCUT = [spec for spec in REGISTRY if spec.on_text is not None]
TABLES = {"t": {"a": 1, "Ab": 2, "ß": 3, " ": 4}}
#: CSV cells the number and boolean shortcuts read first, and their near misses.
NUMBERS_AND_WORDS = [
    *("42", "-42", "12.50", "-3.25", "0.5", ".5", "5.", "+1.5", " 4.5 ", "1e3", "1.5e-3"),
    *("١٢.٥", "1" * 400 + ".5", "1" * 300 + "." + "9" * 300, "nan", "inf", "1_000.5"),
    *("true", "false", "t", "f", "yes", "no", "on", "off", "1", "0", "TRUE", " yes", "maybe"),
]


def test_the_hot_text_functions_have_shortcuts() -> None:
    hot = {
        "upper",
        "lower",
        "title",
        "trim",
        "lookup",
        "regex_replace",
        "format_date",
        "to_number",
        "to_integer",
        "to_boolean",
    }
    assert hot <= {s.name for s in WITH_SHORTCUT}


def _argument_sets(spec: FunctionSpec) -> list[tuple[Any, ...]]:
    sets = {tuple(example.args) for example in spec.examples}
    if spec.name == "lookup":
        sets |= {("t",), ("t", "?"), ("t", None, True)}
    prepared = []
    for args in sets:
        values, problems = spec.prepare(list(args), TABLES)
        if not problems:
            prepared.append(values)
    return prepared


@pytest.mark.parametrize("spec", WITH_SHORTCUT, ids=lambda s: s.name)
@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=12)
    | st.sampled_from(["a", "AB", "ab", "ß", " ", " x ", "--x--"])
    | st.sampled_from(  # dates and datetimes, for the date functions' shortcuts
        [
            "2025-07-24",
            " 2025-07-24 ",
            "2025-W30-4",
            "20250724",
            "0999-01-02",
            "2014-03-07T12:15:15.660Z",
            "2025-07-24T10:30:00+02:00",
            "2025-07-24 10:30",
            "2025-02-30",
            "2025-07-24T25:00",
        ]
    )
    | st.sampled_from(NUMBERS_AND_WORDS)
)
def test_shortcut_matches_the_function(spec: FunctionSpec, text: str) -> None:
    assert spec.on_text is not None
    for args in _argument_sets(spec):
        assert _outcome(spec.on_text, text, args) == _outcome(spec.impl, text, args), (
            spec.name,
            text,
            args,
        )


def _outcome(function: Any, text: str, args: tuple[Any, ...]) -> tuple[str, Any]:
    """What a call gives: its value, or the type and message of what it raised."""
    try:
        return ("value", function(text, *args))
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome under test
        return ("raised", (type(exc), str(exc)))
