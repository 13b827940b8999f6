"""Logic functions: null handling, comparisons, booleans, conditions and JMESPath."""

from __future__ import annotations

import pytest

from fieldwright.engine.functions import TransformError
from tests.engine.functions.conftest import Problems, Run


def test_default_and_if_null_differ_on_empty_text(run: Run) -> None:
    assert run("default", "", "x") == "x"
    assert run("if_null", "", "x") == ""
    assert run("default", False, True) is False
    assert run("default", [], ["x"]) == ["x"]


def test_if_empty_and_is_empty(run: Run) -> None:
    assert run("if_empty", " ", 1, 2) == 1
    assert run("if_empty", 0, 1, 2) == 2
    assert run("is_empty", []) is True
    assert run("is_empty", [None]) is False
    assert run("is_null", 0) is False


def test_coalesce(run: Run) -> None:
    assert run("coalesce", ["", "b"]) == ""
    assert run("coalesce", [None, 0, 1]) == 0
    assert run("coalesce", "single") == "single"
    assert run("coalesce", [" ", []], True) is None


def test_equals_and_in_list(run: Run) -> None:
    assert run("equals", True, 1) is False
    assert run("equals", "Straße", "STRASSE", True) is True
    assert run("equals", "a", "A") is False
    assert run("equals", None, "x") is False
    assert run("equals", {"a": [1]}, {"a": [1]}) is True
    assert run("in_list", 1, [True, "1"]) is False
    assert run("in_list", None, [None]) is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("TRUE", True),
        (" y ", True),
        ("On", True),
        (1, True),
        (1.0, True),
        ("off", False),
        ("F", False),
        (0.0, False),
        ("  ", None),
        (False, False),
    ],
)
def test_to_boolean(run: Run, value: object, expected: bool | None) -> None:
    assert run("to_boolean", value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, -1, "yes please", [True]])
def test_to_boolean_rejects(run: Run, value: object) -> None:
    with pytest.raises(TransformError, match=r"as true or false \(true: yes, y"):
        run("to_boolean", value)


def test_not(run: Run) -> None:
    assert run("not", "Y") is False
    assert run("not", 0) is True
    assert run("not", "") is None
    with pytest.raises(TransformError):
        run("not", "perhaps")


def test_when_reads_the_record(run: Run) -> None:
    record = {"status": "active", "amount": 5, "tags": [], "name": "Ada"}
    assert run("when", "x", "status == 'active'", 1, 0, record=record) == 1
    assert run("when", "x", "amount > `10`", "big", "small", record=record) == "small"
    assert run("when", "x", "tags", "tagged", "untagged", record=record) == "untagged"
    assert run("when", "x", "missing", "yes", record=record) is None
    assert run("when", None, "name", "named", record=record) == "named"
    assert run("when", "x", "amount", "t", "f", record={"amount": 0}) == "t"


def test_expressions_are_compiled_at_compile_time(problems: Problems) -> None:
    (message,) = problems("when", "status ==", 1)
    assert message.startswith("invalid JMESPath expression 'status =='")
    assert problems("jmespath", "a.b[") != []
    assert problems("jmespath", 5) == ["expression must be a string, not integer 5"]
    assert problems("when", "a") == [
        "when needs argument 'then' (the result when the condition holds)"
    ]


def test_jmespath_runtime_errors_are_transform_errors(run: Run) -> None:
    with pytest.raises(TransformError, match="expression 'length\\(@\\)' failed"):
        run("jmespath", 5, "length(@)")
    with pytest.raises(TransformError, match="failed"):
        run("jmespath_record", None, "abs(name)", record={"name": "Ada"})


def test_jmespath_on_value_and_record(run: Run) -> None:
    assert run("jmespath", {"a": {"b": [1, 2]}}, "a.b[-1]") == 2
    assert run("jmespath", {"a": 1}, "missing") is None
    record = {"lines": [{"qty": 2}, {"qty": 3}]}
    assert run("jmespath_record", "ignored", "sum(lines[].qty)", record=record) == 5


def test_case(run: Run) -> None:
    cases = {"true": "yes", "false": "no", "null": "unknown", "1.5": "one and a half"}
    assert run("case", True, cases) == "yes"
    assert run("case", None, cases) == "unknown"
    assert run("case", 1.5, cases) == "one and a half"
    assert run("case", "TRUE", cases) is None
    assert run("case", "TRUE", cases, "?", True) == "yes"
    with pytest.raises(TransformError, match="case compares single values, not a list"):
        run("case", ["a"], cases)


def test_case_arguments_are_checked(problems: Problems) -> None:
    assert problems("case", [["a", 1]]) == ["cases must be an object, not list [['a', 1]]"]
    assert problems("case", {"a": 1}, None, "no") == [
        "ignore_case must be true or false, not string 'no'"
    ]
