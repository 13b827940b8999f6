"""The function library's registry: named, documented, typed, pure functions.

The GUI palette, `fieldwright functions`, the docs and document validation all
read this one registry. A function is called as ``impl(value, *args)`` (or
``impl(context, value, *args)`` when it declares ``context=True``), where
``value`` is the field's current value and ``args`` are the step's arguments,
already checked and prepared at compile time (a regex compiled, a lookup table
resolved, a time zone loaded), so nothing is parsed per record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldwright.engine.expressions import ExpressionSyntaxError
from fieldwright.engine.expressions import compile_expression as compile_jsonata
from fieldwright.engine.functions._common import show
from fieldwright.engine.functions._errors import TransformError
from fieldwright.engine.functions._expressions import ExpressionError, compile_expression
from fieldwright.engine.functions._kinds import HINT_OF_TYPE, ArgHint, ArgType
from fieldwright.engine.functions._patterns import PatternError, compile_pattern
from fieldwright.engine.scope import ItemScope

__all__ = [
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


#: The largest width, length or count a constant argument may ask for (a
#: pad_left width, for one); larger ones are refused at validate.
MAX_SIZE: Final = 100_000
#: The most decimals a constant argument may ask a number to be rounded or written to.
MAX_DECIMALS: Final = 100


class Category(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "date/time"
    LOGIC = "logic"
    LOOKUP = "lookup"
    LIST = "list"
    MASKING = "masking/hashing"


class NullBehaviour(StrEnum):
    """What a function does with a null value (a missing source value is null too)."""

    #: The engine leaves null as null without calling the function.
    PASSES_THROUGH = "passes null through"
    #: The function is called with null and decides (is_null, equals, when, …).
    RECEIVES = "receives null"
    #: The function is called with null and gives its default or fallback argument.
    DEFAULT = "default applies"

    def describe(self) -> str:
        """One sentence for the palette, `fieldwright functions` and the reference."""
        return _NULL_SENTENCES[self]


_NULL_SENTENCES: Final = {
    NullBehaviour.PASSES_THROUGH: "A null value (or a missing source) passes through: "
    "the step is not called and the value stays null.",
    NullBehaviour.RECEIVES: "A null value (or a missing source) is given to the function, "
    "which decides what it means.",
    NullBehaviour.DEFAULT: "A null value (or a missing source) gets the function's default "
    "(or fallback) argument.",
}


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Marks a parameter without a default.
REQUIRED: Final[Any] = _Required()


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: ArgType
    doc: str
    default: Any = REQUIRED
    #: Takes all remaining arguments (at least one unless it has a default).
    variadic: bool = False
    #: The only values allowed (checked at compile time); empty allows any.
    choices: tuple[Any, ...] = ()
    #: Bounds of a number argument, checked at compile time (inclusive).
    minimum: int | None = None
    maximum: int | None = None
    #: Bounds of a string argument's length, checked at compile time.
    min_length: int = 0
    max_length: int | None = None
    #: What the argument means, where the type does not say it (see `kind`).
    hint: ArgHint | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def kind(self) -> ArgHint:
        """The editor kind of one value of this parameter (a variadic one takes a list of them)."""
        if self.hint is not None:
            return self.hint
        if self.choices:
            return ArgHint.CHOICE
        return HINT_OF_TYPE[self.type]


@dataclass(frozen=True, slots=True)
class Example:
    """`fn(value, *args) == output`: documentation that is also tested."""

    value: Any
    args: tuple[Any, ...]
    output: Any
    #: Lookup tables the example needs, by name.
    lookups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: The source record, for functions that read it.
    record: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepContext:
    """What a context function may read besides its value."""

    record: Mapping[str, Any]
    lookups: Mapping[str, Mapping[str, Any]]
    #: The current item when the field maps an array item by item, else None.
    scope: ItemScope | None = None


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    category: Category
    summary: str
    doc: str
    params: tuple[Param, ...]
    returns: str
    examples: tuple[Example, ...]
    impl: Callable[..., Any]
    #: The engine leaves a null value null without calling the function.
    null_passthrough: bool = True
    #: impl takes a StepContext first.
    context: bool = False
    #: The same function for a str value, without impl's checks (often a str
    #: method); the batch path calls it when the value is a str. It must give
    #: exactly what impl gives; a test holds every one to that.
    on_text: Callable[..., Any] | None = None
    #: What it does with null, stated; None: from `null_passthrough` (passes
    #: through, or receives it).
    null_behaviour: NullBehaviour | None = None

    @property
    def nulls(self) -> NullBehaviour:
        """What this function does with a null value (see NullBehaviour)."""
        if self.null_passthrough:
            return NullBehaviour.PASSES_THROUGH
        return self.null_behaviour or NullBehaviour.RECEIVES

    def signature(self) -> str:
        parts = ["value"]
        for param in self.params:
            text = f"{param.name}: {param.type.value}"
            if param.variadic:
                text = "*" + text
            if not param.required:
                text += f" = {param.default!r}"
            parts.append(text)
        return f"{self.name}({', '.join(parts)}) -> {self.returns}"

    def prepare(
        self, args: Sequence[Any], lookups: Mapping[str, Mapping[str, Any]]
    ) -> tuple[tuple[Any, ...], list[tuple[int | None, str]]]:
        """Check and prepare a step's arguments.

        Returns the prepared arguments and the problems as (argument index or
        None for the whole step, message).
        """
        problems: list[tuple[int | None, str]] = []
        prepared: list[Any] = []
        index = 0
        for param in self.params:
            if param.variadic:
                rest = list(args[index:])
                if not rest and param.required:
                    problems.append((None, f"{self.name} needs at least one {param.name}"))
                for offset, arg in enumerate(rest):
                    prepared.append(_prepare_one(param, arg, lookups, index + offset, problems))
                index = len(args)
                continue
            if index < len(args):
                prepared.append(_prepare_one(param, args[index], lookups, index, problems))
            elif param.required:
                problems.append((None, f"{self.name} needs argument {param.name!r} ({param.doc})"))
            else:
                prepared.append(param.default)
            index += 1
        if index < len(args):
            problems.append(
                (
                    index,
                    f"{self.name} takes {index} argument(s), {len(args)} were given; "
                    "remove the extra",
                )
            )
        return tuple(prepared), problems


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "object",
    }.get(type(value), type(value).__name__)


Problems = list[tuple[int | None, str]]
Lookups = Mapping[str, Mapping[str, Any]]

#: The JSON types an argument of a plain kind must have, and how to say so.
_PLAIN_KINDS: Final[dict[ArgType, tuple[Callable[[Any], bool], str]]] = {
    ArgType.BOOLEAN: (lambda arg: isinstance(arg, bool), "true or false"),
    ArgType.INTEGER: (
        lambda arg: isinstance(arg, int) and not isinstance(arg, bool),
        "a whole number",
    ),
    ArgType.NUMBER: (
        lambda arg: isinstance(arg, int | float) and not isinstance(arg, bool),
        "a number",
    ),
    ArgType.LIST: (lambda arg: isinstance(arg, list), "a list"),
    ArgType.OBJECT: (lambda arg: isinstance(arg, dict), "an object"),
}


def _prepare_lookup(arg: str, lookups: Lookups, index: int, problems: Problems) -> Any:
    if arg not in lookups:
        known = ", ".join(sorted(lookups)) or "none defined"
        problems.append((index, f"lookup table {show(arg)} does not exist (tables: {known})"))
        return {}
    return lookups[arg]


def _prepare_expression(arg: str, lookups: Lookups, index: int, problems: Problems) -> Any:
    try:
        return compile_expression(arg)
    except ExpressionError as exc:
        problems.append((index, f"invalid JMESPath expression {show(arg)}: {exc}"))
        return None


def _prepare_jsonata(arg: str, lookups: Lookups, index: int, problems: Problems) -> Any:
    try:
        compiled = compile_jsonata(arg)
    except ExpressionSyntaxError as exc:
        problems.append((index, f"invalid expression: {exc}"))
        return None
    if compiled.targets:
        problems.append(
            (
                index,
                "$target (the target record written so far) is read by a field's "
                "expression, not by a step",
            )
        )
        return None
    return compiled


def _prepare_regex(arg: str, lookups: Lookups, index: int, problems: Problems) -> Any:
    try:
        return compile_pattern(arg)
    except PatternError as exc:
        problems.append((index, f"invalid regular expression {show(arg)}: {exc}"))
        return None


def _prepare_timezone(arg: str, lookups: Lookups, index: int, problems: Problems) -> Any:
    try:
        return ZoneInfo(arg)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name like 'America' is a directory of the zone database.
        problems.append(
            (index, f"unknown time zone {show(arg)}; use an IANA name like 'Europe/Berlin'")
        )
        return None


def _prepare_path(arg: str, lookups: Lookups, index: int, problems: Problems) -> Any:
    # Imported here: engine.paths imports this package (for its patterns).
    from fieldwright.engine.paths import PathError
    from fieldwright.engine.presence import presence_test

    try:
        return presence_test(arg)
    except PathError as exc:
        problems.append((index, str(exc)))
        return None


#: Prepares a string argument of a kind the compiler turns into an object.
_TEXT_KINDS: Final[dict[ArgType, Callable[[str, Lookups, int, Problems], Any]]] = {
    ArgType.LOOKUP: _prepare_lookup,
    ArgType.EXPRESSION: _prepare_expression,
    ArgType.REGEX: _prepare_regex,
    ArgType.TIMEZONE: _prepare_timezone,
    ArgType.JSONATA: _prepare_jsonata,
    ArgType.PATH: _prepare_path,
}


def _number_problem(param: Param, arg: int | float) -> str | None:
    if param.minimum is not None and arg < param.minimum:
        lowest = "zero or more" if param.minimum == 0 else f"at least {param.minimum:,}"
        return f"{param.name} must be {lowest}, not {arg:,}"
    if param.maximum is not None and arg > param.maximum:
        return f"{param.name} must be at most {param.maximum:,}, not {arg:,}"
    return None


def _length_problem(param: Param, arg: str) -> str | None:
    if param.max_length == 1 and param.min_length == 1 and len(arg) != 1:
        return f"{param.name} must be one character, not {show(arg)}"
    if len(arg) < param.min_length:
        return f"{param.name} must not be empty"
    if param.max_length is not None and len(arg) > param.max_length:
        return f"{param.name} must be at most {param.max_length:,} characters long"
    return None


def _bounds_problem(param: Param, arg: Any) -> str | None:
    """Why a constant argument of the right type is out of the param's bounds, if it is."""
    if isinstance(arg, str):
        return _length_problem(param, arg)
    if isinstance(arg, int | float) and not isinstance(arg, bool):
        return _number_problem(param, arg)
    return None


def _prepare_one(param: Param, arg: Any, lookups: Lookups, index: int, problems: Problems) -> Any:
    def wrong(expected: str) -> None:
        problems.append(
            (index, f"{param.name} must be {expected}, not {_type_name(arg)} {show(arg)}")
        )

    kind = param.type
    if arg is None and not param.required and param.default is None:
        return None
    if param.choices and arg not in param.choices:
        allowed = ", ".join(repr(choice) for choice in param.choices)
        problems.append((index, f"{param.name} must be one of {allowed}, not {arg!r}"))
        return arg
    if kind is ArgType.ANY:
        return arg
    if kind in _PLAIN_KINDS:
        test, expected = _PLAIN_KINDS[kind]
        if not test(arg):
            wrong(expected)
        elif (out_of_bounds := _bounds_problem(param, arg)) is not None:
            problems.append((index, out_of_bounds))
        return arg
    if not isinstance(arg, str):
        wrong("a string")
        return arg
    if (out_of_bounds := _bounds_problem(param, arg)) is not None:
        problems.append((index, out_of_bounds))
        return arg
    prepare = _TEXT_KINDS.get(kind)
    return arg if prepare is None else prepare(arg, lookups, index, problems)


class Registry:
    """Functions by name; iteration is by category, then name."""

    def __init__(self) -> None:
        self._functions: dict[str, FunctionSpec] = {}

    def register(self, spec: FunctionSpec) -> FunctionSpec:
        if spec.name in self._functions:
            raise ValueError(f"function {spec.name!r} is registered twice")
        self._functions[spec.name] = spec
        return spec

    def get(self, name: str) -> FunctionSpec | None:
        return self._functions.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __len__(self) -> int:
        return len(self._functions)

    def __iter__(self) -> Iterator[FunctionSpec]:
        order = list(Category)
        return iter(
            sorted(self._functions.values(), key=lambda s: (order.index(s.category), s.name))
        )

    def names(self) -> list[str]:
        return sorted(self._functions)


#: The built-in library, filled by the modules of `fieldwright.engine.functions`.
REGISTRY = Registry()


def function(
    name: str,
    category: Category,
    summary: str,
    *,
    params: Sequence[Param] = (),
    returns: str = "any",
    examples: Sequence[Example] = (),
    null_passthrough: bool = True,
    context: bool = False,
    on_text: Callable[..., Any] | None = None,
    registry: Registry | None = None,
    null_behaviour: NullBehaviour | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function; its docstring is the long documentation."""

    def decorate(impl: Callable[..., Any]) -> Callable[..., Any]:
        doc = (impl.__doc__ or summary).strip()
        (REGISTRY if registry is None else registry).register(
            FunctionSpec(
                name=name,
                category=category,
                summary=summary,
                doc=doc,
                params=tuple(params),
                returns=returns,
                examples=tuple(examples),
                impl=impl,
                null_passthrough=null_passthrough,
                context=context,
                on_text=on_text,
                null_behaviour=null_behaviour,
            )
        )
        return impl

    return decorate
