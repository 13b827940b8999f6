"""Map one chunk of records as a Polars frame; name the records the row engine must redo.

The frame is read with a schema fixed on the first chunk: integers, booleans
and lists of them exactly, everything else read as text. Polars reads any
JSON value into a text column as text (5 → "5"), so a text value that could
be such a conversion (it starts with a digit or '-', is true or false, or
starts with '[' or '{') is vouched for by its line: the key appears once and
its value opens with a quote. A record is redone by the row engine, which
gives its exact output, error and dead letter, when its line is not vouched
for, when a step failed on it and `on_error` is fail or skip, when a
required value is null, when a check refuses a value, or when its line may
hold a duplicate key. Everything else keeps the columnar result, which the
kernels make equal to the row engine's value for value.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import polars as pl

from fieldwright.domain import OnError
from fieldwright.engine.columnar.kernels import KERNEL_FUNCTIONS, concat_columns, fits
from fieldwright.engine.columnar.plan import ColumnarPlan, FieldPlan, Predicate
from fieldwright.engine.compiler import STEP_ERRORS, CompiledStep

__all__ = ["Chunk", "Columns", "Encoded", "FrameMapper", "ReadChunk"]

log = logging.getLogger(__name__)
_DTYPES: dict[type, pl.DataType] = {
    str: pl.String(),
    int: pl.Int64(),
    bool: pl.Boolean(),
    float: pl.Float64(),
}
Column = pl.Series | list[Any]
_EMPTY: dict[str, Any] = {}
#: The error of a value a kernel knows the row function fails on (on_error null or default
#: recovers it unseen; fail and skip redo the record, which gives the row engine's reason).
_CERTAIN = ValueError("the row function fails on this value")
#: A text value that may be Polars' text of a number, boolean, array or object.
_AMBIGUOUS = r"^(?:-|[0-9]|true$|false$|\[|\{)"


@dataclass(slots=True)
class Encoded:
    """A chunk's records as NDJSON text: `lines` (null where a record is not in it: redone,
    filtered out, or in `records`), and the records the sink must encode itself."""

    lines: pl.Series
    records: dict[int, dict[str, Any]]

    def __len__(self) -> int:
        return len(self.lines)


@dataclass(slots=True)
class Columns:
    """A chunk's records as columns, one per (top-level) target, for a sink that takes columns
    (`write_columns`: the SQL sink's COPY); `gone`: rows not in them (redone, filtered out, or
    in `records`, which the sink takes as records through `write_batch`)."""

    columns: dict[str, pl.Series | list[Any]]
    gone: set[int]
    records: dict[int, dict[str, Any]]
    rows: int

    def __len__(self) -> int:
        return self.rows

    def take(self, rows: list[int]) -> dict[str, pl.Series | list[Any]]:
        """The columns of `rows` (indexes in increasing order)."""
        if rows and rows[-1] - rows[0] == len(rows) - 1:  # a run of rows: a slice
            start, stop = rows[0], rows[-1] + 1
            return {name: column[start:stop] for name, column in self.columns.items()}
        where = pl.Series(rows, dtype=pl.UInt32)
        return {
            name: column.gather(where)
            if isinstance(column, pl.Series)
            else [column[i] for i in rows]
            for name, column in self.columns.items()
        }


@dataclass(slots=True)
class ReadChunk:
    """A chunk's frame (None: the row engine maps the chunk) and the lines its duplicate-key
    screen flags, read ahead on the run loop's reading thread (`FrameMapper.read`)."""

    frame: pl.DataFrame | None
    suspects: list[int]


class Chunk(Protocol):
    """A run of records as the columnar engine reads them (connectors/frames.py)."""

    def __len__(self) -> int: ...

    def frame(self, schema: dict[str, pl.DataType] | None) -> pl.DataFrame | None: ...

    def text(self) -> pl.Series: ...

    def suspects(self) -> list[int]: ...

    @property
    def screened(self) -> bool: ...


def _leaf_type(dtype: pl.DataType, listed: bool, floats: bool = False) -> pl.DataType | None:
    """The type a leaf of `dtype` is read as; `floats`: the source's floats are the records'
    own (Parquet), kept as a float column instead of text to vouch for."""
    if floats and dtype == pl.Float64 and not listed:
        return dtype
    if listed:  # read as a list: lists of integers or booleans only
        if dtype == pl.Null:
            return pl.List(pl.Int64)
        if isinstance(dtype, pl.List) and dtype.inner in (pl.Int64, pl.Boolean, pl.Null):
            return dtype if dtype.inner != pl.Null else pl.List(pl.Int64)
        return None
    if dtype in (pl.Int64, pl.Boolean, pl.String):
        return dtype
    if dtype in (pl.Null, pl.Float64):
        return pl.String()  # read as text; the values are vouched for line by line
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        if inner in (pl.Int64, pl.Boolean):
            return dtype
        if inner == pl.Null:
            return pl.List(pl.Int64)
    return None


def _found(schema: pl.Schema, path: tuple[str, ...]) -> pl.DataType | None:
    dtype: Any = pl.Struct(dict(schema))
    for name in path:
        if not isinstance(dtype, pl.Struct):
            return None if dtype != pl.Null else pl.Null()
        fields = {f.name: f.dtype for f in dtype.fields}
        if name not in fields:
            return pl.Null()
        dtype = fields[name]
    return dtype  # type: ignore[no-any-return]


def _item_type(
    dtype: pl.DataType | None, members: set[tuple[str, ...]], floats: bool = False
) -> pl.DataType | None:
    """List(Struct(the members read in each item)), from the inferred type of the list."""
    inner: Any = None
    if isinstance(dtype, pl.List):
        inner = dtype.inner
    elif dtype != pl.Null:
        return None
    tree: dict[str, Any] = {}
    for names in members:
        found: Any = inner
        for name in names:
            if isinstance(found, pl.Struct):
                found = {f.name: f.dtype for f in found.fields}.get(name, pl.Null())
            elif found is None or found == pl.Null:
                found = pl.Null()
            else:
                return None
        leaf = _leaf_type(found, False, floats)
        if leaf is None or isinstance(leaf, pl.List):
            return None
        node = tree
        for name in names[:-1]:
            node = node.setdefault(name, {})
            if not isinstance(node, dict):
                return None
        node[names[-1]] = leaf

    def build(node: dict[str, Any]) -> pl.Struct:
        return pl.Struct({k: build(v) if isinstance(v, dict) else v for k, v in node.items()})

    return pl.List(build(tree))


def read_schema(
    plan: ColumnarPlan, inferred: pl.Schema, *, floats: bool = False
) -> tuple[dict[str, pl.DataType] | None, str | None]:
    """The schema to read every chunk with, or None and why the file runs on rows (`floats`:
    as `_leaf_type`)."""
    paths = plan.member_paths
    tree: dict[str, Any] = {}
    items = plan.item_members
    for path in paths:
        if path in items:
            if path in plan.list_paths:
                return None, f"$.{'.'.join(path)} is read both as a list of values and of objects"
            listed = _item_type(_found(inferred, path), items[path], floats)
            if listed is None:
                return None, f"the items of $.{'.'.join(path)} are not objects of plain values"
            node = tree
            for name in path[:-1]:
                node = node.setdefault(name, {})
            node[path[-1]] = listed
            continue
        if any(other[: len(path)] == path and other != path for other in paths):
            return None, f"$.{'.'.join(path)} is read both whole and by its members"
        dtype = _found(inferred, path)
        leaf = None if dtype is None else _leaf_type(dtype, path in plan.list_paths, floats)
        if leaf is None:
            return None, f"$.{'.'.join(path)} holds {dtype} values, which are read by rows"
        node = tree
        for name in path[:-1]:
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                return None, f"$.{'.'.join(path)} is read both whole and by its members"
            node = child
        node[path[-1]] = leaf

    def build(node: dict[str, Any]) -> dict[str, pl.DataType]:
        return {k: pl.Struct(build(v)) if isinstance(v, dict) else v for k, v in node.items()}

    return build(tree), None


class FrameMapper:
    """Maps chunks through a columnar plan; the schema is fixed by the first chunk read."""

    def __init__(self, plan: ColumnarPlan, *, encode: bool = False, columns: bool = False) -> None:
        self.plan = plan
        #: Whether to give the records as NDJSON lines (`Encoded`) when every column allows.
        self.encode = encode
        #: Whether to give the records as columns (`Columns`) when every target is top-level.
        self.columns = columns and all(len(field.names) == 1 for field in plan.fields)
        self.schema: dict[str, pl.DataType] | None = None
        #: Why the chunks run on rows after all (set once, from the first chunk).
        self.unsupported: str | None = None
        self.columnar_records = 0

    def schema_of(self, chunk: Chunk) -> dict[str, pl.DataType] | None:
        """The schema every chunk is read with, fixed from `chunk` when it is not yet; None
        when `chunk` is not read as a frame (the row engine maps it)."""
        if self.unsupported is not None or not self.plan.lowers:
            return None
        if self.schema is None:
            inferred = chunk.frame(None)
            if inferred is None:
                return None
            self.schema, self.unsupported = read_schema(
                self.plan, inferred.schema, floats=bool(getattr(chunk, "exact_floats", False))
            )
        return self.schema

    def read(self, chunk: Chunk, schema: dict[str, pl.DataType]) -> ReadChunk | None:
        """What `map` reads of a chunk before mapping it, its frame (read with `schema`, from
        `schema_of`) and the lines its duplicate-key screen flags, to be done ahead on
        another thread: it touches nothing the mapping of the chunk before it does. None
        when Polars fails here: `map` meets the failure again and maps the chunk by rows."""
        frame = chunk.frame(schema)
        if frame is None:
            return ReadChunk(None, [])
        try:
            return ReadChunk(frame, _suspects(chunk, frame))
        except pl.exceptions.PolarsError:
            return None

    def map(
        self, chunk: Chunk, ready: ReadChunk | None = None
    ) -> tuple[list[dict[str, Any] | None] | Encoded | Columns, set[int], set[int]] | None:
        """The outputs of a chunk's records (None for those to redo or filtered out), the
        records to redo and those the filter leaves out; None when the chunk is not read as
        a frame (the row engine maps it all). `ready`: the chunk as `read` read it ahead."""
        suspects: list[int] | None = None
        if ready is not None:
            frame, suspects = ready.frame, ready.suspects
        else:
            schema = self.schema_of(chunk)
            if schema is None:
                return None
            frame = chunk.frame(schema)
        if frame is None:
            return None
        try:
            return self._map(frame, chunk, suspects)
        except pl.exceptions.PolarsError:  # a kernel's gap: the row engine maps the chunk
            log.warning("a chunk is mapped by rows after a Polars error", exc_info=True)
            return None

    def _map(
        self, frame: pl.DataFrame, chunk: Chunk, suspects: list[int] | None
    ) -> tuple[list[dict[str, Any] | None] | Encoded | Columns, set[int], set[int]]:
        rows = frame.height
        # A CSV chunk's text values are its cells (connectors/csv_frames.py): nothing to vouch.
        exact = bool(getattr(chunk, "exact_text", False))
        redo: set[int] = set(_suspects(chunk, frame) if suspects is None else suspects)
        leaves: dict[tuple[str, ...], pl.Series] = {}
        text: list[pl.Series] = []

        def leaf(path: tuple[str, ...]) -> pl.Series:
            found = leaves.get(path)
            if found is None:
                found = frame.get_column(path[0])
                for name in path[1:]:
                    found = found.struct.field(name)
                leaves[path] = found
                if found.dtype == pl.String and not exact:
                    self._vouch(path, found, chunk, text, redo)
            return found

        left_out: set[int] = set()
        if self.plan.predicate is not None:
            kept = _predicate(self.plan.predicate, leaf)
            left_out = set((~kept).arg_true().to_list()) - redo
        columns = [self._field(plan, rows, leaf, redo) for plan in self.plan.fields]
        left_out -= redo
        self.columnar_records += rows - len(redo)
        if self.columns:
            named = {
                plan.names[0]: column
                for plan, column in zip(self.plan.fields, columns, strict=True)
            }
            return Columns(named, redo | left_out, {}, rows), redo, left_out
        if self.encode and all(isinstance(c, pl.Series) for c in columns):
            return self._encoded(columns, rows, redo | left_out), redo, left_out
        outputs: list[dict[str, Any] | None] = _assemble(  # type: ignore[assignment]
            self.plan, [c.to_list() if isinstance(c, pl.Series) else c for c in columns], rows
        )
        for index in redo | left_out:
            outputs[index] = None
        return outputs, redo, left_out

    def _encoded(self, columns: list[Column], rows: int, gone: set[int]) -> Encoded:
        """The records as JSON text by Polars (the bytes orjson writes: the parity tests
        compare them), except rows with a non-finite number, which the sink refuses: those
        are assembled for the sink to say why."""
        series = [c for c in columns if isinstance(c, pl.Series)]
        struct = _struct(self.plan, series)
        lines = pl.select(struct.struct.json_encode()).to_series()
        odd = set(gone)
        for column in series:
            if column.dtype == pl.Float64:
                odd.update((~column.is_finite()).fill_null(False).arg_true().to_list())
        records: dict[int, dict[str, Any]] = {}
        if odd:
            where = sorted(odd)
            lines = lines.scatter(where, [None] * len(where))
            picked = [c.gather(where).to_list() for c in series]
            for index, record in zip(where, _assemble(self.plan, picked, len(where)), strict=True):
                if index not in gone:
                    records[index] = record
        return Encoded(lines, records)

    @staticmethod
    def _vouch(
        path: tuple[str, ...],
        values: pl.Series,
        chunk: Chunk,
        text: list[pl.Series],
        redo: set[int],
    ) -> None:
        """Send to the row engine the records whose text value at `path` may have been
        another JSON value that Polars turned into text."""
        ambiguous = values.str.contains(_AMBIGUOUS).fill_null(False)
        if not ambiguous.any():
            return
        if not text:
            text.append(chunk.text())
        lines = text[0]
        key = orjson.dumps(path[-1]).decode()
        # Mostly the key is written right before its value's quote: one literal search
        # over the chunk; the lines where it is not are searched again allowing white space.
        opens = lines.str.contains(key + ':"', literal=True)
        spaced = (ambiguous & ~opens).arg_true()
        if len(spaced):
            pattern = _escape(key) + r'[ \t\r\n]*:[ \t\r\n]*"'
            opens = opens.scatter(spaced, lines.gather(spaced).str.contains(pattern))
        vouched = opens
        if not chunk.screened:  # else a line whose key texts repeat is a suspect: redone
            vouched = vouched & (lines.str.count_matches(key, literal=True) == 1)
        redo.update((ambiguous & ~vouched).arg_true().to_list())

    def _field(self, plan: FieldPlan, rows: int, leaf: Any, redo: set[int]) -> Column:
        field = plan.field
        read = plan.read
        assert read is not None
        steps = list(field.steps)
        column: Column
        if read.kind == "constant":
            constant = field.mapping.constant
            if isinstance(constant, dict | list):
                column = [copy.deepcopy(constant) for _ in range(rows)]
            elif type(constant) in (str, int, bool, float) and fits(
                _DTYPES[type(constant)], constant
            ):
                column = (
                    pl.Series([constant], dtype=_DTYPES[type(constant)]).extend_constant(
                        constant, rows - 1
                    )
                    if rows
                    else pl.Series([], dtype=_DTYPES[type(constant)])
                )
            else:
                column = [constant] * rows
        elif read.kind == "member":
            column = leaf(read.paths[0])
        elif read.kind == "index":
            column = leaf(read.paths[0]).list.get(read.index, null_on_oob=True)
        elif read.kind == "spread":
            listed = leaf(read.paths[0])
            column = listed.fill_null(pl.lit([], dtype=listed.dtype))
        elif read.kind == "spread_member":
            column = self._items(leaf(read.paths[0]), read.members, redo)
        else:
            sources = [leaf(path) for path in read.paths]
            joined = None
            if steps and steps[0].name == "concat":
                joined = concat_columns(sources, steps[0])
            if joined is not None:
                column, steps = joined, steps[1:]
            else:
                column = [list(v) for v in zip(*(s.to_list() for s in sources), strict=True)]
        failed: dict[int, tuple[BaseException, CompiledStep]] = {}
        for step in steps:
            column = _run_step(step, column, failed)
        return self._finish(plan, column, failed, redo)

    @staticmethod
    def _items(listed: pl.Series, members: tuple[str, ...], redo: set[int]) -> pl.Series:
        """`$.a[*].b`: each item's member. A null member may be a missing one (which the row
        engine leaves out) and a text may be a number read as text: those records are redone."""
        element = pl.element()
        for name in members:
            element = element.struct.field(name)
        values = listed.list.eval(element)
        doubtful = values.list.eval(pl.element().is_null()).list.any()
        if values.dtype == pl.List(pl.String):
            doubtful = doubtful | values.list.eval(pl.element().str.contains(_AMBIGUOUS)).list.any()
        redo.update(doubtful.fill_null(False).arg_true().to_list())
        return values.fill_null(pl.lit([], dtype=values.dtype))

    @staticmethod
    def _finish(
        plan: FieldPlan,
        column: Column,
        failed: dict[int, tuple[BaseException, CompiledStep]],
        redo: set[int],
    ) -> Column:
        """Default, required, checks and on_error, as CompiledField.transform and recover."""
        field = plan.field
        mapping = field.mapping
        default = mapping.default
        on_error = mapping.on_error
        recovers = on_error in (OnError.NULL, OnError.DEFAULT)
        if failed and not recovers:
            redo.update(failed)
        check = field.checks
        if isinstance(column, pl.Series) and not check and fits(column.dtype, default):
            # Column-wise: null → default (a failed row is null too: on_error default gives
            # the default, null puts null back), a null left when required is redone.
            if default is not None:
                column = column.fill_null(default)
                if failed and on_error is OnError.NULL:
                    column = column.scatter(sorted(failed), [None] * len(failed))
            elif field.required is not None:
                redo.update(set(column.is_null().arg_true().to_list()) - set(failed))
            return column
        values = column.to_list() if isinstance(column, pl.Series) else column
        needs_scan = default is not None or field.required is not None or check
        if not needs_scan and not (failed and recovers):
            return values
        copy_default = isinstance(default, dict | list)
        for index, value in enumerate(values):
            if index in failed:
                if recovers:
                    values[index] = copy.deepcopy(default) if on_error is OnError.DEFAULT else None
                continue
            if value is None:
                if default is not None:
                    values[index] = value = copy.deepcopy(default) if copy_default else default
                elif field.required is not None:
                    redo.add(index)
                    continue
            if value is not None and check:
                for test in check:
                    if test(value) is not None:
                        redo.add(index)
                        break
        return values


def _suspects(chunk: Chunk, frame: pl.DataFrame) -> list[int]:
    """The lines of `chunk` (read into `frame`) its duplicate-key screen flags."""
    if getattr(chunk, "takes_present", False):  # an NDJSON chunk: the frame helps screen
        return chunk.suspects(_present(frame))  # type: ignore[call-arg]
    return chunk.suspects()


def _present(frame: pl.DataFrame) -> dict[str, pl.Series]:
    """Per key text (`"name":`, as a line holds a key with no escape in it): the lines where the
    frame read a value that is not null from a member of that name (a struct's members too,
    not a list's items). Polars reads null for a missing member, so each of these lines holds
    that key text at least once (connectors/frames.py's KeyScreen)."""
    found: dict[str, pl.Series] = {}
    columns = list(frame.get_columns())
    while columns:
        column = columns.pop()
        key = orjson.dumps(column.name).decode() + ":"
        held = column.is_not_null()
        found[key] = found[key] | held if key in found else held
        if isinstance(column.dtype, pl.Struct):
            columns += column.struct.unnest().get_columns()
    return found


def _predicate(predicate: Predicate, leaf: Any) -> pl.Series:
    """The lowered filter over the frame: True where it keeps the record (JMESPath's == and
    != between JSON values: a text never equals a boolean; null equals a missing value)."""
    kind = predicate[0]
    if kind == "and":
        return _predicate(predicate[1], leaf) & _predicate(predicate[2], leaf)
    if kind == "or":
        return _predicate(predicate[1], leaf) | _predicate(predicate[2], leaf)
    if kind == "not":
        return ~_predicate(predicate[1], leaf)
    _, path, op, literal = predicate
    column: pl.Series = leaf(path)
    if literal is None:
        equal = column.is_null()
    elif (type(literal) is str and column.dtype == pl.String) or (
        type(literal) is bool and column.dtype == pl.Boolean
    ):
        equal = (column == literal).fill_null(False)
    else:
        equal = pl.Series([False] * len(column), dtype=pl.Boolean)
    return equal if op == "eq" else ~equal


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def _run_step(
    step: CompiledStep, column: Column, failed: dict[int, tuple[BaseException, CompiledStep]]
) -> Column:
    kernel = KERNEL_FUNCTIONS.get(step.name)
    if kernel is not None and isinstance(column, pl.Series):
        got = kernel(column, step)
        if got is not None:
            result: Column = got[0]
            unsure = got[1]
            if len(got) > 2:  # rows the row function certainly fails on
                for row in got[2].arg_true().to_list():
                    failed.setdefault(row, (_CERTAIN, step))
            if unsure is not None and unsure.any():
                where = unsure.arg_true().to_list()
                inputs = column.gather(where).to_list()
                outputs = _by_value(step, inputs, failed, where)
                result = _put(result, where, outputs)
            if failed:
                gone = sorted(failed)
                result = _put(result, gone, [None] * len(gone))
            return result
    values = column.to_list() if isinstance(column, pl.Series) else column
    outputs = _by_value(step, values, failed, range(len(values)))
    if all(type(v) is str or v is None for v in outputs):
        return pl.Series(outputs, dtype=pl.String)
    return outputs


def _by_value(
    step: CompiledStep,
    values: list[Any],
    failed: dict[int, tuple[BaseException, CompiledStep]],
    where: Sequence[int],
) -> list[Any]:
    """`step`'s row function on each value (a batch function); a failure marks its row."""
    call, passthrough = step.call, step.passthrough
    out: list[Any] = []
    for row, value in zip(where, values, strict=True):
        if row in failed or (value is None and passthrough):
            out.append(None)
            continue
        try:
            out.append(call(value, _EMPTY))
        except STEP_ERRORS as exc:
            failed[row] = (_untraced(exc), step)
            out.append(None)
    return out


#: The Python types a column of each dtype holds exactly (`fits`, a set test at C speed).
_HOLDS: dict[pl.DataType, set[type]] = {
    pl.String(): {str, type(None)},
    pl.Float64(): {float, type(None)},
    pl.Boolean(): {bool, type(None)},
}


def _fit_all(dtype: pl.DataType, values: list[Any]) -> bool:
    """Whether every value `fits` a column of `dtype`."""
    holds = _HOLDS.get(dtype)
    if holds is not None:
        return set(map(type, values)) <= holds
    return all(fits(dtype, v) for v in values)


def _untraced(error: BaseException) -> BaseException:
    """`error` without the tracebacks of its chain: a traceback holds its frames and they
    the stack above (this chunk's frame, columns and text) in a cycle through `failed`,
    alive until the cyclic collector runs (rarely, under the CLI's tuned thresholds)."""
    seen: set[int] = set()
    chain: list[BaseException | None] = [error]
    while chain:
        link = chain.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        link.__traceback__ = None
        chain += [link.__cause__, link.__context__]
    return error


def _put(column: Column, where: list[int], values: list[Any]) -> Column:
    if isinstance(column, pl.Series):
        if _fit_all(column.dtype, values):
            if not where:
                return column
            return column.scatter(where, values)
        column = column.to_list()
    else:
        column = list(column)
    for row, value in zip(where, values, strict=True):
        column[row] = value
    return column


def _tree(plan: ColumnarPlan) -> dict[str, Any]:
    """The targets as nested names, each leaf the index of its field."""
    tree: dict[str, Any] = {}
    for index, field in enumerate(plan.fields):
        node = tree
        names = field.names
        for name in names[:-1]:
            node = node.setdefault(name, {})
        node[names[-1]] = index
    return tree


# The builders below are module functions, not closures: a recursive closure refers to
# itself through its cell, a reference cycle that would keep each chunk's columns alive
# until the cyclic collector runs (rarely, under the CLI's tuned thresholds: peak RSS grew
# with the input, 460 MB at 1M contacts records).


def _struct_of(node: dict[str, Any], columns: list[pl.Series]) -> pl.Expr:
    return pl.struct(
        [
            pl.lit(columns[v]).alias(k) if isinstance(v, int) else _struct_of(v, columns).alias(k)
            for k, v in node.items()
        ]
    )


def _struct(plan: ColumnarPlan, columns: list[pl.Series]) -> pl.Expr:
    """The output records as one struct expression, fields nested as the targets say."""
    return _struct_of(_tree(plan), columns)


def _records_of(node: dict[str, Any], columns: list[list[Any]], rows: int) -> list[dict[str, Any]]:
    keys = list(node)
    parts = [
        columns[v] if isinstance(v, int) else _records_of(v, columns, rows) for v in node.values()
    ]
    if not keys:
        return [{} for _ in range(rows)]
    return [dict(zip(keys, values, strict=True)) for values in zip(*parts, strict=True)]


def _assemble(plan: ColumnarPlan, columns: list[list[Any]], rows: int) -> list[dict[str, Any]]:
    """The output records: each field's value at its target, keys in the row engine's order."""
    return _records_of(_tree(plan), columns, rows)
