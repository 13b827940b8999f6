"""The mapping language's reference, written once and shown everywhere.

`fieldwright functions --markdown` writes it to ``docs/reference.md`` (a test
fails when that file is stale), and the inspector's help tooltips show the
same topic texts through the service's `field_help`. Every statement here is
about what the engine does (`engine/compiler.py`, `engine/rules.py`,
`engine/target_types.py`, the function registry); a test holds the examples
and the rules' behaviour to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from fieldwright.domain import Missing, OnError
from fieldwright.engine.functions import REGISTRY, Category, FunctionSpec, NullBehaviour, Registry

__all__ = ["TOPICS", "HelpTopic", "field_help", "reference_markdown"]


@dataclass(frozen=True, slots=True)
class HelpTopic:
    """One topic of the reference: its title and its text (plain sentences)."""

    key: str
    title: str
    text: str


#: What each `on_error` value does when a field fails (a step raises, a check fails).
ON_ERROR: Final[dict[OnError, str]] = {
    OnError.FAIL: "the whole record fails: it is not written and goes to the dead letters "
    "with the field, the step and the reason.",
    OnError.SKIP: "the target field is left out of the record; the rest of the record is written.",
    OnError.DEFAULT: "the field's `default` is written instead (it is not checked again); "
    "without a default, null is written.",
    OnError.NULL: "null is written instead.",
}

#: What each `missing` value does when every source path of a field is missing.
MISSING: Final[dict[Missing, str]] = {
    Missing.NULL: "map null as usual: the chain, `default`, `required` and the rules apply "
    "as for a null value.",
    Missing.SKIP: "leave the target out of the record, without running the chain or the checks.",
}


def _listed(values: dict[Any, str]) -> str:
    return " ".join(f"`{key.value}`: {text}" for key, text in values.items())


_ORDER = (
    "A field is mapped in this order: read the source path(s) (or take the constant); run "
    "the transform steps; if the value is null, write `default` instead; if it is still null, "
    "fail when `required` (else write null, and skip the checks); then check the target "
    "schema's type and the validation rules. A failing step or check is handled by `on_error`."
)

_TOPIC_LIST: Final = (
    HelpTopic("order", "How a field is mapped", _ORDER),
    HelpTopic(
        "sources",
        "sources",
        "JSONPath (RFC 9535) paths into the source record, e.g. $.properties.email. One path "
        "gives its value; several give a list of their values, in order (for concat, "
        "coalesce …); a path with a wildcard or filter gives the list of what it selects.",
    ),
    HelpTopic(
        "constant",
        "constant",
        "A JSON value the field takes when it has no source paths; the chain, default and "
        "checks apply to it as to a source value.",
    ),
    HelpTopic(
        "null",
        "Null and missing values",
        "A source path that selects nothing (`$.a` of `{}`) and one whose value is null "
        '(`$.a` of `{"a": null}`) both give null to the chain. Each function states what it '
        "does with null, one of: "
        + " ".join(f"“{b.value}”: {b.describe()}" for b in NullBehaviour)
        + " Lookup functions agree: null is never a key of a table, so `lookup` and "
        "`lookup_list` give the step's `default`, else the table's (`lookup_defaults`), "
        "`reverse_lookup` its `default`, `lookup_or_keep` and `lookup_strict` keep null and "
        "`in_lookup` is false. To tell missing from null use the "
        "field option `missing` or the functions `is_missing` and `is_present`.",
    ),
    HelpTopic(
        "missing",
        "missing",
        "What the field does when every one of its source paths is missing from the record "
        "(selects nothing; a member present with the value null is not missing). "
        + _listed(MISSING)
        + " Default: `null`.",
    ),
    HelpTopic(
        "required",
        "required",
        "When true, a value that is null after the chain and the `default` fails the field "
        '(handled by `on_error`). The empty text "" is a value for this option; a field the '
        'target schema marks required fails on null and on "" too.',
    ),
    HelpTopic(
        "default",
        "default",
        "A JSON value written when the value is null after the transform chain (so also for "
        "a missing or null source); the validation rules then check it. With "
        "`on_error: default` it is also what a failing field writes, without checks.",
    ),
    HelpTopic(
        "on_error",
        "on_error",
        "What a failing field (a step raises, a check fails) does to its record. "
        + _listed(ON_ERROR)
        + " Default: `fail`.",
    ),
    HelpTopic(
        "rules",
        "Validation rules",
        "Rules check a field's final value, after the chain and the default. A null value "
        "passes every rule (null is `required`'s business).",
    ),
    HelpTopic(
        "rules.regex",
        "rules.regex",
        "A search, not a full match: the value passes when the pattern matches anywhere in "
        "its text (a number or boolean is checked as Python writes it, e.g. `True`). Anchor "
        "with `^…$` for a full match. Python `re` syntax; one match may take at most 0.25 s.",
    ),
    HelpTopic(
        "rules.min",
        "rules.min",
        "The lowest number allowed, inclusive. Numbers only: a date, text or a boolean fails "
        'the check ("… is not a number"); compare dates with a step instead.',
    ),
    HelpTopic(
        "rules.max",
        "rules.max",
        "The highest number allowed, inclusive. Numbers only: a date, text or a boolean fails "
        'the check ("… is not a number").',
    ),
    HelpTopic(
        "rules.max_length",
        "rules.max_length",
        "The most characters of text (or items of a list); any other value is measured by "
        "the length of its text.",
    ),
    HelpTopic(
        "rules.enum",
        "rules.enum",
        "A JSON list of the allowed values; the value must equal one of them exactly (text is "
        "case-sensitive; 1 equals 1.0, and true equals 1 and false 0).",
    ),
    HelpTopic(
        "rules.type",
        "rules.type",
        "The JSON type the value must have: string, integer, number, boolean, date, datetime, "
        "object, array or any. date is ISO YYYY-MM-DD text, datetime ISO 8601 text with hours "
        "and minutes; integer accepts 7.0; a boolean is never a number.",
    ),
    HelpTopic(
        "library",
        "Named chains (library)",
        'A document\'s `library` names chains of transform steps, e.g. {"clean_phone": '
        '[{"fn": "digits_only"}]}; a step {"fn": "@clean_phone"} (no arguments) runs that '
        "chain in its place. Chains may call other chains; an unknown name or a chain that "
        "calls itself is refused by validate at the step's JSON pointer. Mapping documents "
        "and templates share this mechanism.",
    ),
)

#: The topics by key: "on_error", "rules.regex", a function's name is not one.
TOPICS: Final[dict[str, HelpTopic]] = {topic.key: topic for topic in _TOPIC_LIST}


def field_help(topic: str, registry: Registry = REGISTRY) -> str:
    """The plain text of a topic, or of a function of the library; "" when unknown."""
    found = TOPICS.get(topic)
    if found is not None:
        return found.text
    spec = registry.get(topic)
    if spec is None:
        return ""
    return f"{spec.signature()}\n{spec.summary} {spec.nulls.describe()}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _example(spec: FunctionSpec, value: Any, args: Iterable[Any], output: Any) -> str:
    shown = ", ".join(_json(v) for v in (value, *args))
    return f"`{spec.name}({shown})` → `{_json(output)}`"


def _function_section(spec: FunctionSpec) -> list[str]:
    lines = [f"#### `{spec.name}`", "", f"`{spec.signature()}`", "", spec.summary, ""]
    if spec.doc and spec.doc != spec.summary:
        lines += [" ".join(spec.doc.split()), ""]
    lines += [f"*Null:* {spec.nulls.value}. {spec.nulls.describe()}", ""]
    for param in spec.params:
        lines.append(f"- `{param.name}` ({param.type.value}): {param.doc}")
    if spec.params:
        lines.append("")
    if spec.examples:
        lines += ["Examples:", ""]
        lines += [f"- {_example(spec, e.value, e.args, e.output)}" for e in spec.examples]
        lines.append("")
    return lines


def reference_markdown(registry: Registry = REGISTRY) -> str:
    """The whole reference page as Markdown (docs/reference.md)."""
    lines = [
        "# Fieldwright mapping reference",
        "",
        "Generated by `fieldwright functions --markdown` from the function registry and the "
        "engine's own texts; do not edit by hand (a test fails when it is stale).",
        "",
        "## Field mappings",
        "",
    ]
    for topic in _TOPIC_LIST:
        lines += [f"### {topic.title}", "", topic.text, ""]
    lines += ["## Functions", ""]
    specs = list(registry)
    for category in Category:
        in_category = [s for s in specs if s.category is category]
        if not in_category:
            continue
        lines += [f"### {category.value}", ""]
        for spec in in_category:
            lines += _function_section(spec)
    return "\n".join(lines).rstrip() + "\n"
