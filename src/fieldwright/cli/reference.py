"""`fieldwright validate`, `preview`, `functions` and `schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from fieldwright.cli._common import (
    ExitCode,
    console,
    input_option,
    load_or_exit,
    mapping_argument,
    reported_errors,
    source_options,
    source_settings,
)
from fieldwright.cli.expressions import print_expressions
from fieldwright.cli.pipelines import preview_pipeline, validate_pipeline_file
from fieldwright.domain import MappingDocument
from fieldwright.service import (
    FieldTrace,
    InvalidDocument,
    document_json_schema,
    engine_report,
    function_library,
    is_pipeline_file,
    open_mapping,
    preview_file,
    reference_markdown,
    validate_mapping,
)

__all__ = ["functions", "preview", "schema", "validate"]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@click.command()
@click.argument("mappings", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--engine",
    type=click.Choice(["rows", "polars"]),
    default="rows",
    help="polars: also say, per field, whether it vectorises on the columnar engine, runs "
    "as a batch function of the row function, or keeps the mapping on the row engine.",
)
def validate(mappings: tuple[Path, ...], engine: str) -> None:
    """Check mapping and pipeline documents; list every problem with its JSON pointer."""
    bad = 0
    for path in mappings:
        if is_pipeline_file(path):  # issue 19
            bad += not validate_pipeline_file(path)
            continue
        try:
            document = open_mapping(path)
        except InvalidDocument as exc:
            bad += 1
            console.print(escape(str(exc)))
            continue
        problems = validate_mapping(document)
        if problems:
            bad += 1
            console.print(f"{escape(str(path))}: {len(problems)} problem(s):")
            for problem in problems:
                console.print(f"  {escape(str(problem))}")
        else:
            console.print(
                f"{escape(str(path))}: ok "
                f"({len(document.fields)} field mappings, {len(document.tests)} tests)"
            )
            if engine == "polars":
                _print_engines(document)
    if bad:
        raise SystemExit(int(ExitCode.FAILED))


def _print_engines(document: MappingDocument) -> None:
    """Per field: vectorised, batch function or row engine on the columnar engine, and why."""
    report = engine_report(document)
    marks = {"vectorised": "[green]vectorised[/]", "batch function": "[yellow]batch function[/]"}
    for row in report:
        status = marks.get(row.status, "[red]row engine[/]")
        console.print(f"  {escape(row.target)}: {status} — {escape(row.why)}")
    lowered = [r for r in report if r.status != "row engine"]
    if len(lowered) == len(report):
        console.print("  columnar engine: the whole mapping lowers")
    else:
        console.print("  columnar engine: no; runs on the row engine (--engine auto picks rows)")


def _print_trace(field: FieldTrace) -> None:
    if field.expression is not None:
        inputs = f"expression {field.expression} = {_json(field.input)}"
    elif field.sources:
        inputs = ", ".join(f"{path} = {_json(value)}" for path, value in field.sources)
    else:
        inputs = f"constant {_json(field.input)}"
    console.print(f"  [bold]{escape(field.target)}[/] ← {escape(inputs)}")
    for step in field.steps:
        args = ", ".join(_json(a) for a in step.args)
        after = "(null passes through)" if step.skipped else _json(step.value)
        console.print(f"      → {escape(step.fn)}({escape(args)}) = {escape(after)}")
    if field.error is not None:
        console.print(
            f"      [red]✗ {escape(field.error.reason)}[/] (on_error: {field.error.handled_by})"
        )
    else:
        console.print(f"      = {escape(_json(field.output))}")


@click.command()
@mapping_argument()
@input_option("Sample file.")
@click.option(
    "-n",
    "limit",
    default=10,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Records to map.",
)
@click.option("--trace", is_flag=True, help="Show the value after every transform step.")
@click.option(
    "--input-format",
    type=click.Choice(
        ["csv", "tsv", "ndjson", "jsonl", "json", "xlsx", "parquet"], case_sensitive=False
    ),
    help="Input format (default: from the extension).",
)
@source_options
def preview(
    mapping: Path,
    input_path: Path,
    limit: int,
    trace: bool,
    input_format: str | None,
    **flags: Any,
) -> None:
    """Map the first N records of a sample file and show the result.

    With a pipeline document, show what each step gives (and from which input
    line each record came).

    The file is read with the document's source.connector.settings when its
    connector is of the file's format; the flags below override them.
    """
    if is_pipeline_file(mapping):  # issue 19: what each step gives
        preview_pipeline(
            mapping,
            input_path,
            limit=limit,
            input_format=input_format,
            settings=source_settings(flags),
        )
        return
    compiled = load_or_exit(mapping)
    with reported_errors():
        rows = preview_file(
            compiled, input_path, limit=limit, format=input_format, settings=source_settings(flags)
        )
    for row in rows:
        where = str(row.item.position)
        if row.trace is None:
            console.print(f"[red]{escape(where)}: unreadable:[/] {escape(row.item.error or '')}")
            continue
        result = row.trace.result
        if result.output is not None:
            console.print(f"{escape(where)}: {result.status.value} {escape(_json(result.output))}")
        else:
            console.print(f"{escape(where)}: {result.status.value} {escape(result.reason())}")
        if trace:
            for field in row.trace.fields:
                _print_trace(field)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--category", help="Only this category.")
@click.option(
    "--expressions", is_flag=True, help="The expression language's operators and functions."
)
@click.option(
    "--markdown",
    is_flag=True,
    help="The whole mapping reference (field options, on_error, validation rules, null "
    "behaviour, every function) as Markdown: docs/reference.md.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --markdown: write the reference to this file instead of printing it.",
)
def functions(
    as_json: bool,
    category: str | None,
    markdown: bool,
    output: Path | None,
    expressions: bool = False,
) -> None:
    """The function library: signatures, documentation, null behaviour and examples."""
    if expressions:
        print_expressions(as_json)
        return
    if output is not None and not markdown:
        raise click.UsageError("--output goes with --markdown")
    if markdown:
        text = reference_markdown()
        if output is None:
            click.echo(text, nl=False)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
        console.print(f"wrote {escape(str(output))}")
        return
    specs = [s for s in function_library() if category is None or s.category.value == category]
    if as_json:
        data = [
            {
                "name": s.name,
                "category": s.category.value,
                "signature": s.signature(),
                "summary": s.summary,
                "doc": s.doc,
                "null_behaviour": s.nulls.value,
                "examples": [
                    {"value": e.value, "args": list(e.args), "output": e.output} for e in s.examples
                ],
            }
            for s in specs
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    current = None
    for spec in specs:
        if spec.category != current:
            current = spec.category
            console.print(f"\n[bold underline]{escape(current.value)}[/]")
        console.print(f"  [bold]{escape(spec.signature())}[/]")
        console.print(f"      {escape(spec.summary)} [dim](null: {spec.nulls.value})[/]")
        for example in spec.examples[:2]:
            args = "".join(f", {_json(a)}" for a in example.args)
            console.print(
                f"      e.g. {spec.name}({escape(_json(example.value))}{escape(args)})"
                f" → {escape(_json(example.output))}"
            )
    console.print(f"\n{len(specs)} functions")


@click.command()
def schema() -> None:
    """The JSON Schema of the mapping document, for editors."""
    click.echo(json.dumps(document_json_schema(), indent=2, ensure_ascii=False))
