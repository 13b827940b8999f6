"""The kinds of a function argument: its type as written in the document, and its editor hint.

Kept apart from the registry so the registry module stays about functions; both
enums are re-exported by `fieldwright.engine.functions`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["HINT_OF_TYPE", "ArgHint", "ArgType"]


class ArgType(StrEnum):
    """The type of a function argument as written in the document."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    LIST = "list"
    OBJECT = "object"
    ANY = "any"
    #: The name of a lookup table of the document; prepared to the table (a dict).
    LOOKUP = "lookup"
    #: A JMESPath expression; prepared to a compiled expression.
    EXPRESSION = "expression"
    #: A regular expression (Python syntax); prepared to a compiled pattern.
    REGEX = "regex"
    #: An IANA time zone name; prepared to a ZoneInfo.
    TIMEZONE = "timezone"
    #: A JSONPath of the record ($…) or of the current item (@…); prepared to a
    #: test of whether it selects anything (`engine/presence.py`).
    PATH = "path"


class ArgHint(StrEnum):
    """What an argument means to the analyst, so the designer can offer the right editor.

    A parameter names its hint where its type alone does not say it (a strftime
    format is a string); otherwise `Param.kind` derives it from the type and choices.
    """

    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    #: One of the parameter's `choices`.
    CHOICE = "choice"
    #: The name of one of the document's lookup tables.
    LOOKUP = "lookup name"
    #: A strftime/strptime format such as '%d/%m/%Y'.
    DATE_FORMAT = "date format"
    REGEX = "regex"
    JMESPATH = "JMESPath"
    #: An IANA time zone name.
    TIMEZONE = "time zone"
    #: A JSONPath of the record ($.a.b) or of the current item (@.a).
    PATH = "JSONPath"
    #: Any JSON value (text in quotes, numbers, true/false, null, lists, objects).
    JSON = "JSON value"


#: The hint of a parameter that names none, by its type.
HINT_OF_TYPE: Final[dict[ArgType, ArgHint]] = {
    ArgType.STRING: ArgHint.TEXT,
    ArgType.INTEGER: ArgHint.INTEGER,
    ArgType.NUMBER: ArgHint.NUMBER,
    ArgType.BOOLEAN: ArgHint.BOOLEAN,
    ArgType.LIST: ArgHint.JSON,
    ArgType.OBJECT: ArgHint.JSON,
    ArgType.ANY: ArgHint.JSON,
    ArgType.LOOKUP: ArgHint.LOOKUP,
    ArgType.EXPRESSION: ArgHint.JMESPATH,
    ArgType.REGEX: ArgHint.REGEX,
    ArgType.TIMEZONE: ArgHint.TIMEZONE,
    ArgType.PATH: ArgHint.PATH,
}
