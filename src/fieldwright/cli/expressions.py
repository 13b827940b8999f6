"""`fieldwright functions --expressions`: the expression language's operators and functions."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.markup import escape

from fieldwright.cli._common import console
from fieldwright.service import expression_functions, expression_operators

__all__ = ["print_expressions"]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _record(record: dict[str, Any], common: dict[str, Any]) -> str:
    if record == common:
        return ""
    shown = {k: v for k, v in record.items() if not k.startswith("__")}
    if "__item__" in record:
        return f"item {_json(record['__item__'])}"
    if "__value__" in record:
        return f"$value {_json(record['__value__'])}"
    return f"record {_json(shown)}" if shown else ""


def print_expressions(as_json: bool) -> None:
    """Print the operators and functions with their examples (JSON with `as_json`)."""
    operators, functions = expression_operators(), expression_functions()
    if as_json:
        data = {
            "operators": [
                {
                    "operator": o.symbol,
                    "summary": o.summary,
                    "example": o.example,
                    "record": o.record,
                    "result": o.result,
                }
                for o in operators
            ],
            "functions": [
                {
                    "name": f"${f.name}",
                    "category": f.category,
                    "signature": f.signature,
                    "summary": f.summary,
                    "examples": [
                        {"expression": e, "record": r, "result": v} for e, r, v in f.examples
                    ],
                }
                for f in functions
            ],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console.print(
        "Expressions (JSONata) compute a field from several fields: a field's "
        "[bold]expression[/], or the [bold]expression[/] step. Names read the record; "
        "see docs/expressions.md."
    )
    records = [o.record for o in operators] + [r for f in functions for _, r, _ in f.examples]
    common = max(records, key=records.count)
    console.print(f"Examples without a record of their own run on {escape(_json(common))}.")
    console.print("\n[bold underline]operators[/]")
    for operator in operators:
        console.print(f"  [bold]{escape(operator.symbol)}[/]  {escape(operator.summary)}")
        context = _record(operator.record, common)
        on = f" on {escape(context)}" if context else ""
        console.print(
            f"      e.g. {escape(operator.example)} → {escape(_json(operator.result))}{on}"
        )
    current = None
    for function in functions:
        if function.category != current:
            current = function.category
            console.print(f"\n[bold underline]{escape(current)}[/]")
        console.print(f"  [bold]{escape(function.signature)}[/]  {escape(function.summary)}")
        for text, record, result in function.examples:
            context = _record(record, common)
            on = f" on {escape(context)}" if context else ""
            console.print(f"      e.g. {escape(text)} → {escape(_json(result))}{on}")
    console.print(f"\n{len(operators)} operators, {len(functions)} functions")
