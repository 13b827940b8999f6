"""Hypothesis strategies for mapping documents (for round trips through the store)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fieldwright.domain import (
    FORMAT_VERSION,
    ConnectorRef,
    CredentialRef,
    Endpoint,
    ErrorStrategy,
    FieldMapping,
    FieldType,
    MappingDocument,
    Missing,
    OnError,
    RunSettings,
    SchemaField,
    TestCase,
    TestKind,
    TransformStep,
    ValidationRules,
)

#: Any text, including NUL, control characters, astral-plane emoji and lone combining marks.
text = st.text(max_size=12)
names = st.text(min_size=1, max_size=10)
keys = st.from_regex(
    r"mapping_[A-Z]{2,4}_[A-Z]{2,4}_[A-Z0-9]{1,6}_2025[01][0-9][0-3][0-9]", fullmatch=True
)
paths = st.builds(
    lambda parts: "$." + ".".join(parts),
    st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True), min_size=1, max_size=3),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=6,
)
json_objects = st.dictionaries(text, json_values, max_size=3)

steps = st.builds(
    TransformStep,
    fn=st.sampled_from(["upper", "trim", "lookup", "format_date"]),
    args=st.lists(json_values, max_size=2),
)
rules = st.builds(
    ValidationRules,
    regex=st.none() | text,
    min=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    max=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    max_length=st.none() | st.integers(min_value=0, max_value=1000),
    enum=st.none() | st.lists(json_scalars, max_size=3),
    type=st.none() | st.sampled_from(["string", "integer"]),
)


@st.composite
def field_mappings(draw: st.DrawFn) -> FieldMapping:
    sources = draw(st.lists(paths, max_size=2))
    constant = None if sources else draw(json_values)
    return FieldMapping(
        target=draw(paths),
        sources=sources,
        constant=constant,
        transforms=draw(st.lists(steps, max_size=2)),
        required=draw(st.booleans()),
        default=draw(json_values),
        rules=draw(rules),
        on_error=draw(st.sampled_from(OnError)),
        missing=draw(st.sampled_from(Missing)),
        notes=draw(text),
        active=draw(st.booleans()),
    )


schema_fields = st.recursive(
    st.builds(
        SchemaField,
        name=names,
        type=st.sampled_from(FieldType),
        description=text,
        example=json_scalars,
    ),
    lambda children: st.builds(
        SchemaField,
        name=names,
        type=st.just(FieldType.OBJECT),
        fields=st.lists(children, max_size=2),
    ),
    max_leaves=4,
)
connectors = st.builds(
    ConnectorRef,
    kind=st.sampled_from(["csv", "sql", "http"]),
    settings=json_objects,
    credential=st.none() | st.builds(CredentialRef, username=names),
    connection=st.none() | names,
)
endpoints = st.builds(
    Endpoint, fields=st.lists(schema_fields, max_size=2), connector=st.none() | connectors
)
tests = st.builds(
    TestCase,
    name=names,
    kind=st.sampled_from(TestKind),
    description=text,
    input=json_objects,
    expected=st.none() | json_objects,
    expect_failure=st.booleans(),
)


@st.composite
def mapping_documents(draw: st.DrawFn) -> MappingDocument:
    return MappingDocument(
        fieldwright=FORMAT_VERSION,
        key=draw(keys),
        name=draw(names),
        description=draw(text),
        version=draw(st.integers(min_value=1, max_value=50)),
        source=draw(endpoints),
        target=draw(endpoints),
        lookups=draw(
            st.dictionaries(names, st.dictionaries(text, json_scalars, max_size=3), max_size=2)
        ),
        filter=draw(st.none() | text),
        library=draw(
            st.dictionaries(
                st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
                st.lists(steps, max_size=2),
                max_size=2,
            )
        ),
        fields=draw(st.lists(field_mappings(), max_size=6)),
        tests=draw(st.lists(tests, max_size=3)),
        run=draw(
            st.builds(
                RunSettings,
                error_strategy=st.sampled_from(ErrorStrategy),
                batch_size=st.integers(min_value=1, max_value=10_000),
            )
        ),
    )
