"""The registry is complete and every function is documented for the palette and docs."""

from __future__ import annotations

import re
from collections import Counter

import pytest

import fieldwright.engine.functions as functions
from fieldwright.engine.functions import REGISTRY, ArgHint, Category, FunctionSpec
from fieldwright.engine.functions.registry import Registry
from tests.engine.functions.conftest import Problems, spec_of

SPECS = [pytest.param(spec, id=spec.name) for spec in REGISTRY]
SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

#: Functions the mapping designer and the docs promise by name.
PROMISED = [
    "upper",
    "lower",
    "title",
    "trim",
    "trim_left",
    "trim_right",
    "concat",
    "split",
    "replace",
    "regex_replace",
    "regex_extract",
    "substring",
    "left",
    "right",
    "pad_left",
    "pad_right",
    "truncate",
    "normalize_whitespace",
    "remove_accents",
    "slugify",
    "to_string",
    "format",
    "normalize_phone",
    "split_name",
    "to_integer",
    "to_number",
    "round",
    "floor",
    "ceil",
    "abs",
    "add",
    "subtract",
    "multiply",
    "divide",
    "modulo",
    "clamp",
    "min",
    "max",
    "sum",
    "format_number",
    "parse_currency",
    "percent",
    "parse_date",
    "format_date",
    "parse_datetime",
    "format_datetime",
    "to_iso8601",
    "convert_timezone",
    "to_utc",
    "excel_serial_to_date",
    "date_to_excel_serial",
    "add_days",
    "add_hours",
    "date_diff_days",
    "start_of_week",
    "start_of_month",
    "day_of_week",
    "age_in_years",
    "unix_timestamp_to_datetime",
    "datetime_to_unix",
    "default",
    "coalesce",
    "if_empty",
    "is_empty",
    "equals",
    "not",
    "to_boolean",
    "when",
    "case",
    "jmespath",
    "lookup",
    "reverse_lookup",
    "lookup_list",
    "first",
    "last",
    "nth",
    "join",
    "count",
    "unique",
    "sort",
    "flatten",
    "compact",
    "pluck",
    "contains",
    "slice",
    "mask",
    "mask_email",
    "sha256",
    "md5",
    "hmac_sha256",
    "uuid5",
    "redact",
    "hash_prefix",
]


def test_library_is_large_enough() -> None:
    assert len(REGISTRY) >= 64


def test_promised_functions_are_registered() -> None:
    assert [name for name in PROMISED if name not in REGISTRY] == []


def test_every_category_has_at_least_four_functions() -> None:
    counts = Counter(spec.category for spec in REGISTRY)
    assert {category: counts[category] for category in Category if counts[category] < 4} == {}


def test_iteration_is_by_category_then_name() -> None:
    order = list(Category)
    keys = [(order.index(spec.category), spec.name) for spec in REGISTRY]
    assert keys == sorted(keys)
    assert REGISTRY.names() == sorted(spec.name for spec in REGISTRY)


@pytest.mark.parametrize("spec", SPECS)
def test_function_is_documented(spec: FunctionSpec) -> None:
    assert SNAKE.fullmatch(spec.name)
    assert spec.summary.strip() and "\n" not in spec.summary
    assert spec.summary.endswith(".") and len(spec.summary) <= 80
    assert spec.impl.__doc__, "the docstring is the palette's long documentation"
    assert spec.doc == spec.impl.__doc__.strip()
    assert spec.returns.strip()
    assert spec.examples
    for param in spec.params:
        assert SNAKE.fullmatch(param.name)
        assert param.doc.strip()


@pytest.mark.parametrize("spec", SPECS)
def test_required_arguments_are_reported_when_missing(spec: FunctionSpec) -> None:
    problems = [message for _, message in spec.prepare([], {})[1]]
    required = [p for p in spec.params if p.required]
    assert len(problems) == len(required)
    for param, message in zip(required, problems, strict=True):
        assert param.name in message


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if not any(p.variadic for p in s.values[0].params)]
)
def test_extra_arguments_are_reported(spec: FunctionSpec) -> None:
    args = list(spec.examples[0].args)
    args += [p.default for p in spec.params[len(args) :]]
    index, message = spec.prepare([*args, "extra"], spec.examples[0].lookups)[1][-1]
    assert index == len(spec.params)
    assert "remove the extra" in message


def test_signature_text() -> None:
    assert spec_of("pad_left").signature() == (
        "pad_left(value, width: integer, fill: string = ' ') -> string"
    )
    assert spec_of("parse_date").signature() == "parse_date(value, *formats: string = ()) -> date"
    assert spec_of("lookup").signature() == (
        "lookup(value, table: lookup, default: any = None, ignore_case: boolean = False) -> any"
    )
    assert spec_of("upper").signature() == "upper(value) -> string"


def test_functions_that_handle_null_are_called_with_null() -> None:
    handles_null = {name for name in REGISTRY.names() if not spec_of(name).null_passthrough}
    assert {
        "default",
        "if_null",
        "if_empty",
        "is_empty",
        "is_null",
        "equals",
        "when",
        "case",
        "jmespath_record",
        "in_list",
        "lookup",
        "is_missing",
    } <= handles_null
    assert "upper" not in handles_null


def test_every_function_states_its_null_behaviour() -> None:
    from fieldwright.engine.functions import NullBehaviour

    nulls = {spec.name: spec.nulls for spec in REGISTRY}
    assert nulls["upper"] is NullBehaviour.PASSES_THROUGH
    assert nulls["is_null"] is NullBehaviour.RECEIVES
    assert {n for n, b in nulls.items() if b is NullBehaviour.DEFAULT} >= {
        "lookup",
        "reverse_lookup",
        "case",
        "default",
        "if_null",
    }
    assert all(b.describe().startswith("A null value") for b in NullBehaviour)


def test_context_functions_are_the_record_readers() -> None:
    assert {spec.name for spec in REGISTRY if spec.context} >= {
        "when",
        "jmespath_record",
        "is_missing",
        "is_present",
    }


def test_choices_are_checked_at_compile_time(problems: Problems) -> None:
    assert problems("start_of_week", "funday") == [
        "week_starts_on must be one of 'monday', 'tuesday', 'wednesday', 'thursday', "
        "'friday', 'saturday', 'sunday', not 'funday'"
    ]
    assert problems("split_name", "surname")
    assert problems("split_name", "last") == []


def test_a_zone_directory_is_an_unknown_zone_not_a_crash(problems: Problems) -> None:
    assert problems("convert_timezone", "America", "UTC") == [
        "unknown time zone 'America'; use an IANA name like 'Europe/Berlin'"
    ]


def test_registering_a_name_twice_fails() -> None:
    registry = Registry()
    spec = spec_of("upper")
    registry.register(spec)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(spec)


def test_package_exports() -> None:
    assert sorted(functions.__all__) == sorted(
        [
            "MAX_DECIMALS",
            "MAX_SIZE",
            "REGISTRY",
            "REQUIRED",
            "ArgHint",
            "ArgType",
            "Category",
            "Example",
            "FunctionSpec",
            "NullBehaviour",
            "Param",
            "Registry",
            "StepContext",
            "TransformError",
            "function",
        ]
    )
    for name in functions.__all__:
        assert hasattr(functions, name)


def test_every_parameter_has_an_editor_kind() -> None:
    """The designer picks an argument's editor by `Param.kind`: hinted, or derived from the type."""
    kinds = {(spec.name, p.name): p.kind for spec in REGISTRY for p in spec.params}
    assert all(isinstance(kind, ArgHint) for kind in kinds.values())
    assert kinds["parse_date", "formats"] is ArgHint.DATE_FORMAT
    assert kinds["format_datetime", "format"] is ArgHint.DATE_FORMAT
    assert kinds["regex_replace", "pattern"] is ArgHint.REGEX
    assert kinds["jmespath", "expression"] is ArgHint.JMESPATH
    assert kinds["lookup", "table"] is ArgHint.LOOKUP
    assert kinds["split_name", "part"] is ArgHint.CHOICE
    assert kinds["case", "cases"] is ArgHint.JSON
    assert kinds["mask", "keep_last"] is ArgHint.INTEGER
