"""String functions: edge cases, bad arguments and runtime errors."""

from __future__ import annotations

from datetime import date

import pytest

from fieldwright.engine.functions import TransformError
from tests.engine.functions.conftest import Problems, Run


def test_case_functions_convert_scalars_to_text(run: Run) -> None:
    assert run("upper", "straße") == "STRASSE"
    assert run("upper", 42) == "42"
    assert run("lower", True) == "true"
    assert run("title", "o'neil mcdonald") == "O'Neil Mcdonald"
    assert run("upper", date(2025, 7, 24)) == "2025-07-24"


def test_string_functions_refuse_lists_and_objects(run: Run) -> None:
    with pytest.raises(TransformError, match=r"expected text, got list \['a'\]"):
        run("upper", ["a"])
    with pytest.raises(TransformError, match="use count for lists"):
        run("length", ["a", "b"])


def test_null_passes_through_without_a_call(run: Run) -> None:
    assert run("upper", None) is None
    assert run("concat", None, " ") is None


def test_trim_variants(run: Run) -> None:
    assert run("trim", "\u00a0 Ada\t\n") == "Ada"
    assert run("trim", "xxAdaxx", "x") == "Ada"
    assert run("trim_left", "0042", "0") == "42"
    assert run("trim_right", "Ada...", ".") == "Ada"


def test_concat_single_value_and_all_empty(run: Run) -> None:
    assert run("concat", "solo", "-") == "solo"
    assert run("concat", [None, ""], "-") == ""
    assert run("concat", [1.5, True, 2.0], "/") == "1.5/true/2"
    with pytest.raises(TransformError):
        run("concat", [["nested"]], " ")


def test_split(run: Run) -> None:
    assert run("split", "a;b;;c", ";", False) == ["a", "b", "", "c"]
    assert run("split", "   ") == []
    with pytest.raises(TransformError, match="separator must not be empty"):
        run("split", "abc", "")


def test_replace_and_regex_replace(run: Run, problems: Problems) -> None:
    assert run("replace", "a-b-c", "-", "") == "abc"
    with pytest.raises(TransformError, match="must not be empty"):
        run("replace", "abc", "", "x")
    assert run("regex_replace", "a1b22c333", r"\d+", "#", 2) == "a#b#c333"
    assert run("regex_replace", "John Smith", r"(?P<f>\w+) (?P<l>\w+)", r"\g<l>, \g<f>") == (
        "Smith, John"
    )
    with pytest.raises(TransformError, match="does not fit pattern"):
        run("regex_replace", "abc", r"(a)", r"\2")
    assert problems("regex_replace", "a", "b", -1) == ["count must be zero or more, not -1"]


def test_regex_extract_groups(run: Run) -> None:
    assert run("regex_extract", "tel: 555-1234", r"(\d{3})-(\d{4})", 2) == "1234"
    assert run("regex_extract", "ab", r"a(x)?b") is None
    with pytest.raises(TransformError, match=r"group 3 does not exist; pattern .* has 2 group"):
        run("regex_extract", "555-1234", r"(\d{3})-(\d{4})", 3)


def test_regex_arguments_are_compiled_at_compile_time(problems: Problems) -> None:
    (message,) = problems("regex_extract", "([a-z")
    assert message.startswith("invalid regular expression '([a-z'")
    assert problems("regex_match", "[0-9]+") == []


def test_substring_left_right(run: Run, problems: Problems) -> None:
    assert run("substring", "abc", 10) == ""
    assert run("substring", "abc", -10, 2) == "ab"
    assert problems("substring", 0, -1) == ["length must be zero or more, not -1"]
    assert run("left", "abc", 0) == ""
    assert run("right", "abc", 2) == "bc"
    assert run("right", "abc", 5) == "abc"
    assert problems("left", -2) == ["count must be zero or more, not -2"]


def test_padding(run: Run, problems: Problems) -> None:
    assert run("pad_left", "7", 3) == "  7"
    assert run("pad_left", "abc", 3, "0") == "abc"
    assert run("pad_right", "ab", 7, "xyz") == "abxyzxy"
    assert problems("pad_left", 3, "") == ["fill must not be empty"]
    assert problems("pad_left", 10**12) == ["width must be at most 100,000, not 1,000,000,000,000"]


def test_truncate(run: Run) -> None:
    assert run("truncate", "abcdef", 3, "...") == "..."
    assert run("truncate", "abcdef", 6, "...") == "abcdef"
    with pytest.raises(TransformError, match="shorter than the ellipsis"):
        run("truncate", "abcdef", 2, "...")


def test_wrong_argument_types_are_compile_problems(problems: Problems) -> None:
    assert problems("left", "3") == ["count must be a whole number, not string '3'"]
    assert problems("left", 3.0) == ["count must be a whole number, not number 3.0"]
    assert problems("left", True) == ["count must be a whole number, not boolean True"]
    assert problems("concat", 1) == ["separator must be a string, not integer 1"]
    assert problems("concat", " ", "yes") == ["skip_empty must be true or false, not string 'yes'"]
    assert problems("pad_left") == [
        "pad_left needs argument 'width' (the length to pad to, at most 100,000)"
    ]
    assert problems("upper", "x") == ["upper takes 0 argument(s), 1 were given; remove the extra"]


def test_whitespace_accents_slugs(run: Run) -> None:
    assert run("normalize_whitespace", "a\u00a0\u00a0b\r\nc") == "a b c"
    assert run("remove_accents", "Ångström façade naïve") == "Angstrom facade naive"
    assert run("remove_accents", "Москва") == "Москва"
    assert run("slugify", "  --Hello, World!--  ") == "hello-world"
    assert run("slugify", "東京") == ""


def test_to_string(run: Run) -> None:
    assert run("to_string", 1e20) == "1e+20"
    assert run("to_string", 0.1) == "0.1"
    assert run("to_string", False) == "false"
    assert run("to_string", date(2025, 7, 24)) == "2025-07-24"
    assert run("to_string", ["é", None]) == '["é",null]'


def test_format_template(run: Run) -> None:
    assert run("format", ["a", None, "c"], "{0}|{1}|{2}") == "a||c"
    assert run("format", "x", "[{}]") == "[x]"
    assert run("format", {"first name": "Ada"}, "Hi {first name}") == "Hi Ada"
    assert run("format", [7, 2], "{0:>{1}}") == " 7"
    assert run("format", date(2025, 7, 24), "{0:%d.%m.%Y}") == "24.07.2025"


@pytest.mark.parametrize(
    ("value", "template", "message"),
    [
        (["a"], "{0.__class__}", r"template field \{0.__class__\} is not allowed"),
        ({"a": {"b": 1}}, "{a[b]}", r"template field \{a\[b\]\} is not allowed"),
        (["a"], "{1}", r"template uses \{1\} but the value has 1 item"),
        ({"a": 1}, "{b}", r"no such key \(keys: a\)"),
        ("x", "{0:d}", r"cannot format 'x' with \{:d\}"),
        ("x", "{0:>100000}", "more than 1000 characters"),
        (["a", "b"], "{} {1}", "invalid template"),
        ("x", "{0", "invalid template"),
    ],
)
def test_format_rejects_unsafe_or_broken_templates(
    run: Run, value: object, template: str, message: str
) -> None:
    with pytest.raises(TransformError, match=message):
        run("format", value, template)


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("555.123.4567", "1", "+15551234567"),
        ("1 (555) 123-4567", "1", "+15551234567"),
        ("+1 555 123 4567 x89", None, "+15551234567"),
        ("06 12 34 56 78", "33", "+33612345678"),
        ("06 1234 5678", "+39", "+390612345678"),
        (15551234567, "1", "+15551234567"),
        (4915112345678, "49", "+494915112345678"),  # no '+': read as a national number
    ],
)
def test_normalize_phone(run: Run, value: object, country: str | None, expected: str) -> None:
    assert run("normalize_phone", value, country) == expected


@pytest.mark.parametrize(
    ("value", "country", "message"),
    [
        ("12345", "1", r"too short to be a phone number \(6 digits\)"),
        ("+1234567890123456", None, r"too long to be a phone number \(16 digits\)"),
        ("555 123 4567", None, "has no country code; give default_country_code"),
        ("1-800-FLOWERS", "1", "is not a phone number"),
        ("555 123 4567", "USA", "default_country_code must be 1 to 3 digits"),
    ],
)
def test_normalize_phone_errors(run: Run, value: object, country: str | None, message: str) -> None:
    with pytest.raises(TransformError, match=message):
        run("normalize_phone", value, country)


@pytest.mark.parametrize(
    ("name", "first", "middle", "last"),
    [
        ("Ada Lovelace", "Ada", None, "Lovelace"),
        ("  ada   king   lovelace ", "ada", "king", "lovelace"),
        ("Mr. John Q. Public Jr.", "John", "Q.", "Public"),
        ("de la Cruz, María José", "María", "José", "de la Cruz"),
        ("Vincent van Gogh", "Vincent", None, "van Gogh"),
        ("Madonna", "Madonna", None, None),
    ],
)
def test_split_name(run: Run, name: str, first: str, middle: str | None, last: str | None) -> None:
    assert run("split_name", name, "first") == first
    assert run("split_name", name, "middle") == middle
    assert run("split_name", name, "last") == last
