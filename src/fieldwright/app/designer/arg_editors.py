"""One editor per kind of step argument (text, numbers, JSON, regex, JMESPath, date format …).

Every editor shows one argument's value, says under itself what is wrong with
it (a regex or JMESPath as you type) or what it does (a date format's live
example), and tells whether the analyst set it: an optional argument left unset
keeps the function's default, shown as the placeholder. Choices, lookup names
and booleans are picked from a list (`arg_pickers`); `arg_lists.make_editor`
picks the editor for a parameter from its kind hint in the function registry.
"""

from __future__ import annotations

import json
import zoneinfo
from functools import cache
from typing import Any, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldwright.service import (
    ArgHint,
    InvalidRequest,
    date_format_example,
    expression_problem,
    pattern_problem,
)

__all__ = ["LINE_EDITORS", "UNSET", "ArgEditor", "LineArgEditor", "show_default"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: What an optional argument's editor gives when the analyst left it to its default.
UNSET: Final[Any] = _Unset()


def show_default(value: Any) -> str:
    shown = list(value) if isinstance(value, tuple) else value
    return json.dumps(shown, ensure_ascii=False, default=str)


def _restyle(widget: QWidget, invalid: bool) -> None:
    if widget.property("invalid") != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class ArgEditor(QWidget):
    """The editor of one argument value; subclasses hold the input widget."""

    #: The analyst changed the value (validate now).
    edited = Signal()
    #: The analyst finished an edit (write the step).
    committed = Signal()

    def __init__(self, param: Any, *, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.optional = optional
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.row)
        self.note = QLabel(self)
        self.note.setObjectName(f"note_{param.name}")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note.hide()
        outer.addWidget(self.note)

    def value(self) -> Any:
        """The argument's value, `UNSET` when left to its default; ValueError says what is wrong."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def unset(self) -> None:
        raise NotImplementedError

    def is_editing(self) -> bool:
        """Whether the analyst is in the middle of typing here (a refresh must not overwrite it)."""
        return False

    def show_note(self, text: str, *, error: bool) -> None:
        self.note.setProperty("role", "error" if error else "muted")
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)
        self.note.setText(text)
        self.note.setToolTip(text)
        self.note.setVisible(bool(text))

    def has_problem(self) -> bool:
        """Whether the editor shows a problem of its value under itself."""
        return not self.note.isHidden() and self.note.property("role") == "error"

    def validate(self) -> str | None:
        """Check the value, show the outcome under the editor; the problem, if any."""
        try:
            self.value()
        except ValueError as exc:
            self.show_note(str(exc), error=True)
            return str(exc)
        self.show_note("", error=False)
        return None


class LineArgEditor(ArgEditor):
    """A line edit; subclasses say how its text becomes a value and what to say about it."""

    #: What the text must be, for the placeholder of a required argument.
    expects = ""

    def __init__(self, param: Any, *, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(param, optional=optional, parent=parent)
        self.line = QLineEdit(self)
        self.line.setObjectName(f"arg_{param.name}")
        self.line.setMinimumWidth(60)
        self.line.setToolTip(f"{param.name} ({param.kind.value}): {param.doc}")
        self.row.addWidget(self.line, 1)
        self.reset = QToolButton(self)
        self.reset.setObjectName(f"reset_{param.name}")
        self.reset.setText("↺")
        self.reset.setToolTip(f"Use the default of {param.name}")
        self.reset.setAutoRaise(True)
        self.reset.clicked.connect(self._reset_clicked)
        self.row.addWidget(self.reset)
        #: Whether the analyst (or the document) gave a value; an unset optional argument
        #: keeps its default, an unset required one is missing.
        self._set = False
        self.line.textEdited.connect(self._typed)
        self.line.editingFinished.connect(self._finished)
        self._placeholder()

    # -- value ---------------------------------------------------------------------

    def parse(self, text: str) -> Any:
        return text

    def format(self, value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def describe(self, value: Any) -> str | None:
        """A muted note about a valid value (a live example); None for none."""
        return None

    def value(self) -> Any:
        if not self._set:
            return UNSET
        return self.parse(self.line.text())

    def set_value(self, value: Any) -> None:
        self._set = True
        self.line.setText(self.format(value))
        self.line.setCursorPosition(0)
        self.line.setModified(False)
        self._placeholder()
        self.validate()

    def unset(self) -> None:
        self._set = False
        self.line.clear()
        self.line.setModified(False)
        self._placeholder()
        self.validate()

    def is_editing(self) -> bool:
        return self.line.hasFocus() and self.line.isModified()

    def validate(self) -> str | None:
        problem = super().validate()
        _restyle(self.line, problem is not None)
        if problem is None and self._set:
            note = self.describe(self.value())
            if note:
                self.show_note(note, error=False)
        return problem

    # -- reactions -----------------------------------------------------------------

    def _placeholder(self) -> None:
        if not self._set and self.optional:
            text = f"default: {show_default(self.param.default)}"
        elif self._set and self.param.kind is ArgHint.TEXT:
            text = "(empty text)"
        else:
            text = self.expects or self.param.doc
        self.line.setPlaceholderText(text)
        self.reset.setVisible(self.optional and self._set)

    def _typed(self, _text: str) -> None:
        if not self._set:
            self._set = True
            self._placeholder()
        self.validate()
        self.edited.emit()

    def _finished(self) -> None:
        if self.line.isModified():
            self.line.setModified(False)
            self.committed.emit()

    def _reset_clicked(self) -> None:
        self.unset()
        self.edited.emit()
        self.committed.emit()


class TextEditor(LineArgEditor):
    expects = "text"


class PathEditor(LineArgEditor):
    expects = "a path of the record ($.a.b) or of the current item (@.a)"

    def parse(self, text: str) -> Any:
        text = text.strip()
        if not text.startswith(("$", "@")):
            raise ValueError(
                f"{self.param.name} must be a path starting with $ (the record) or @ "
                f"(the current item), not {text!r}"
            )
        return text


class NumberEditor(LineArgEditor):
    expects = "a number, e.g. 2.5"

    def parse(self, text: str) -> Any:
        text = text.strip()
        for read in (int, float):
            try:
                return read(text)
            except ValueError:
                continue
        raise ValueError(f"{self.param.name} must be a number like 3 or 2.5, not {text!r}")


class IntegerEditor(LineArgEditor):
    expects = "a whole number, e.g. 3"

    def parse(self, text: str) -> Any:
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError(
                f"{self.param.name} must be a whole number like 3 or -1, not {text.strip()!r}"
            ) from None


class JsonEditor(LineArgEditor):
    expects = 'JSON: "text", 3, true, null, [1, 2] or {"a": 1}'

    def format(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def parse(self, text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{self.param.name} must be a JSON value ({exc.msg} at character {exc.pos + 1}); "
                'text goes in quotes: "abc"'
            ) from None


class RegexEditor(LineArgEditor):
    expects = r"a regular expression, e.g. \d+"

    def parse(self, text: str) -> Any:
        problem = pattern_problem(text)
        if problem is not None:
            raise ValueError(f"{self.param.name}: {problem}")
        return text


class JmesPathEditor(LineArgEditor):
    expects = "a JMESPath expression, e.g. address.city"

    def parse(self, text: str) -> Any:
        problem = expression_problem(text)
        if problem is not None:
            raise ValueError(f"{self.param.name}: {problem}")
        return text


class DateFormatEditor(LineArgEditor):
    """A strftime/strptime format, with what it makes of the sample value (or today) as you type."""

    expects = "a date format, e.g. %d/%m/%Y"

    def __init__(self, param: Any, *, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(param, optional=optional, parent=parent)
        #: The value the example formats or reads; None formats today's date.
        self.sample: Any = None

    def describe(self, value: Any) -> str | None:
        for sample in (self.sample, None):
            try:
                return "e.g. " + date_format_example(value, sample)
            except InvalidRequest:
                continue  # the sample is in another format: show now written in this one
        return None  # parse() reported why

    def parse(self, text: str) -> Any:
        try:
            date_format_example(text, self.sample)
        except InvalidRequest as exc:
            if not (isinstance(self.sample, str) and "does not read" in str(exc)):
                raise ValueError(f"{self.param.name}: {exc}") from None
            # The sample is in another of the formats tried: formatting today shows this one.
            try:
                date_format_example(text)
            except InvalidRequest as again:
                raise ValueError(f"{self.param.name}: {again}") from None
        return text


@cache
def _zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


class TimezoneEditor(LineArgEditor):
    expects = "an IANA time zone, e.g. Europe/Berlin"

    def __init__(self, param: Any, *, optional: bool, parent: QWidget | None = None) -> None:
        super().__init__(param, optional=optional, parent=parent)
        completer = QCompleter(_zone_names(), self.line)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.line.setCompleter(completer)

    def parse(self, text: str) -> Any:
        if text not in _zone_names():
            raise ValueError(
                f"{self.param.name}: unknown time zone {text!r}; use an IANA name like "
                "'Europe/Berlin' (start typing to pick one)"
            )
        return text


#: The line editor of each kind that types its value as text.
LINE_EDITORS: Final[dict[ArgHint, type[LineArgEditor]]] = {
    ArgHint.TEXT: TextEditor,
    ArgHint.NUMBER: NumberEditor,
    ArgHint.INTEGER: IntegerEditor,
    ArgHint.JSON: JsonEditor,
    ArgHint.REGEX: RegexEditor,
    ArgHint.JMESPATH: JmesPathEditor,
    ArgHint.DATE_FORMAT: DateFormatEditor,
    ArgHint.TIMEZONE: TimezoneEditor,
    ArgHint.PATH: PathEditor,
}
