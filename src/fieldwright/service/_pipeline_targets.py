"""The targets of one pipeline run, published together when the run succeeds (issue 19).

A pipeline run writes its output and the targets of its route branches. Each
is a file, a SQL table or an HTTP endpoint:

* a file is written to a hidden temporary file; a branch's file lies beside the
  run's output and joins the output's journalled commit (connectors/commit.py):
  all the run's files appear, or none;
* a SQL table is always written through its staging table
  (connectors/_sqlstaging.py, ``<table>__fw_staging``, whatever the target's
  ``staging`` setting says): rows wait there with the run's batch id, and are moved
  into the table in one final transaction per target only when the whole run
  succeeded. A failed run marks its staged rows failed: no table changes;
* an HTTP endpoint is held back: its records are spooled to an anonymous temporary
  file (the records only: the URL, headers and credential stay with the connector)
  and posted by the HTTP connector (`HttpSink`: batches, idempotency keys, auth,
  retries) only when the whole run succeeded. A failed run posts nothing.

When the run has succeeded the targets publish in this order: the SQL tables
(branches in order, then the output when it is a table), then the HTTP endpoints
(branches in order, then the output when it is one), then the files (one
journalled commit). A SQL move can be refused (a constraint) and leaves nothing
behind when it is; an accepted HTTP batch cannot be taken back, so HTTP goes after
everything that can still refuse the run's records. The file commit comes last
because it is also the run's own record (the dead letters and the manifest, which
a crashed run's recovery reads as "completed"): it must say what the endpoints
took, and a rename cannot refuse a record. A failure at any point aborts what has
not yet published.

What cannot be atomic: the final transactions of several targets are separate, and
an API keeps what it accepted. If a target fails after another published (a second
table's move, an endpoint's second batch), what published stays. The run then fails
with a message naming what was already published — the tables, and each endpoint's
batches sent — and the same is logged at error level, so that someone can undo or
complete them by hand; it is not retried (that would deliver twice). The records an
endpoint did not take (the failed batch and those after it) become dead letters
naming the target (step None for the output, ``route/branch`` for a branch), which
a reprocess sends to that endpoint again. When nothing at all was published (the
first endpoint's first batch failed and no table moved) the run failed as any run
does, nothing changed, and no dead letter is made for the unsent records.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from fieldwright.connectors import ConnectorError, FileSink, SinkError, open_sink
from fieldwright.connectors.registry import open_connector_sink
from fieldwright.domain import ConnectorRef
from fieldwright.domain.pipeline import Branch
from fieldwright.domain.records import Position, Record, RecordSink
from fieldwright.domain.runs import DeadLetter
from fieldwright.engine import RunOutcome
from fieldwright.service._connectors import file_kind_format
from fieldwright.service.enrich_sources import ConnectionLookup
from fieldwright.service.files import file_settings

if TYPE_CHECKING:  # imported by an HTTP target's run only: a file run loads no httpx
    from fieldwright.connectors.http import HttpSink

__all__ = ["PublishedPartly", "RunTargets", "staged_target"]

log = logging.getLogger(__name__)

#: Records pickled together in an HTTP target's spool file.
_BLOCK = 512


class PublishedPartly(SinkError):
    """A target failed after another published (or an endpoint took some batches): what
    published stays, and trying the run again would deliver it twice."""

    #: Read by `_transient.is_transient`: never retried.
    repeats_delivery = True


def staged_target(ref: ConnectorRef) -> ConnectorRef:
    """`ref` written through its staging table when it is a SQL table; else unchanged."""
    if ref.kind.lower() != "sql" or ref.settings.get("staging") is True:
        return ref
    return ref.model_copy(update={"settings": {**ref.settings, "staging": True}})


def _with_connection(
    ref: ConnectorRef, connections: ConnectionLookup | None, where: str
) -> ConnectorRef:
    """A target naming a saved connection: its settings, then the target's own over them
    (a table of that database); its credential unless the target has one."""
    if ref.connection is None:
        return ref
    if connections is None:
        raise ConnectorError(
            f"{where}: its target names the saved connection {ref.connection!r}, and no "
            "store is open to find it"
        )
    try:
        saved = connections(ref.connection)
    except KeyError as exc:
        raise ConnectorError(f"{where}: {exc.args[0]}") from exc
    if saved.kind.lower() != ref.kind.lower():
        raise ConnectorError(
            f"{where}: connection {ref.connection!r} is {saved.kind}, not {ref.kind}"
        )
    settings = {**saved.settings, **ref.settings}
    url, base = ref.settings.get("url"), saved.settings.get("url")
    if ref.kind.lower() == "http" and isinstance(url, str) and url.startswith("/"):
        if not isinstance(base, str) or not base:
            raise ConnectorError(
                f"{where}: its URL {url!r} is a path, and connection {ref.connection!r} "
                "has no url to take it from"
            )
        settings["url"] = base.rstrip("/") + url  # a path on the connection's host
    return saved.model_copy(
        update={"settings": settings, "credential": ref.credential or saved.credential}
    )


def _file_branch_sink(
    branch: Branch, connector: ConnectorRef | None, output: Path, reprocess_of: str | None = None
) -> RecordSink:
    """A route branch's file: beside the run's output, so that it commits with it. A
    reprocess of run `reprocess_of` writes `<name>.<run key><suffix>` instead, never over
    the original run's file."""
    given = connector.settings.get("path") if connector is not None else None
    if not isinstance(given, str) or Path(given).name != given:
        raise ConnectorError(
            f"branch {branch.name!r}: its target is a file beside the output; give its "
            f"name in connector.settings.path, not {given!r}"
        )
    path = output.parent / given
    if reprocess_of is not None:
        path = path.with_name(f"{path.stem}.{reprocess_of}{path.suffix}")
    if path == output:
        raise ConnectorError(f"branch {branch.name!r}: its target is the run's output itself")
    name, settings = file_settings(connector, path, None, "sink")
    columns = [field.name for field in branch.target.fields] if branch.target else []
    return open_sink(path, name, columns=columns, **settings)


class _HttpHeld:
    """An HTTP target held back until the run succeeded: `write_batch` spools the records
    to an anonymous temporary file (bounded memory; records only, no URL or secret),
    `commit` posts them through the HTTP connector, batch after batch.

    `where` names the target in messages ("the output", "branch 'bs'"); `step` is what
    its dead letters name (None for the output, ``route/branch`` for a branch)."""

    def __init__(self, sink: HttpSink, where: str, step: str | None) -> None:
        self._sink = sink  # batch_size, auth, retries, idempotency keys
        self.where = where
        self.step = step
        self._file: IO[bytes] | None = None
        self._block: list[Record] = []
        self.count = 0
        #: Batches and records the API accepted (posted at commit).
        self.sent_batches = 0
        self.sent_records = 0
        #: Records not sent by a post that failed part-way (each a dead letter).
        self.unsent = 0
        self.letters: Callable[[DeadLetter], None] | None = None
        #: Whether anything else of the run was published before this post began.
        self.after_published: Callable[[], bool] = lambda: False

    @property
    def name(self) -> str:
        return self._sink.name

    @property
    def kept_after_abort(self) -> int:
        """Records the API accepted: an abort cannot take them back."""
        return self.sent_records

    def write_batch(self, records: Sequence[Record]) -> None:
        self._block.extend(records)
        self.count += len(records)
        if len(self._block) >= _BLOCK:
            self._spill()

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="fieldwright-http-")  # noqa: SIM115
        pickle.dump(self._block, self._file, pickle.HIGHEST_PROTOCOL)
        self._block = []

    def _records(self) -> Iterator[Record]:
        if self._file is not None:
            self._file.seek(0)
            while True:
                try:
                    block: list[Record] = pickle.load(self._file)  # our own file
                except EOFError:
                    break
                yield from block
        yield from self._block

    def _batches(self) -> Iterator[list[Record]]:
        records = self._records()
        while batch := list(itertools.islice(records, self._sink.batch_size)):
            yield batch

    def commit(self) -> None:
        """Post every spooled record, a batch at a time; a batch the API refuses (after the
        connector's retries) stops the post: see the module for what happens then."""
        started_after = self.after_published()
        batches = self._batches()
        try:
            for batch in batches:
                try:
                    self._sink.write_batch(batch)
                except ConnectorError as exc:
                    self._refused(exc, batch, batches, started_after)
                self.sent_batches += 1
                self.sent_records += len(batch)
            self._sink.commit()
        finally:
            self._close()

    def _refused(
        self,
        exc: ConnectorError,
        batch: list[Record],
        rest: Iterator[list[Record]],
        started_after: bool,
    ) -> None:
        if not self.sent_records and not started_after:
            raise SinkError(f"{self.where}: {exc}; nothing was sent") from exc
        first = self.sent_batches + 1
        remaining = self._dead_letters(itertools.chain([batch], rest), str(exc))
        raise PublishedPartly(
            f"{self.where}: {exc}; the {remaining:,} records of batch {first} and after "
            "were not sent and are kept as dead letters"
        ) from exc

    def _dead_letters(self, batches: Iterator[list[Record]], reason: str) -> int:
        """Each record the post did not send, as a dead letter (its position is its index
        among the records the run gave this target); how many."""
        now = datetime.now(UTC)
        where = f"step {self.step!r}: " if self.step is not None else ""
        index = self.sent_records
        for batch in batches:
            for record in batch:
                position = Position(index=index)
                letter = DeadLetter.model_construct(
                    error_id=f"err_post_{int(now.timestamp() * 1000)}_{index:06d}",
                    position=position.as_dict(),
                    position_text=str(position),
                    field=None,
                    step=self.step,
                    reason=f"{where}not sent: {reason}",
                    input=record,
                    raw=None,
                    occurred_at=now,
                )
                if self.letters is not None:
                    self.letters(letter)
                self.unsent += 1
                index += 1
        return self.unsent

    def sent(self) -> str:
        """What the API accepted, for the "already published" list."""
        return f"{self.name} (batches 1-{self.sent_batches}: {self.sent_records:,} records)"

    def abort(self) -> None:
        """Post nothing more; batches already accepted stay accepted."""
        self._close()
        self._sink.abort()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._block = []


class _Published:
    """The run's output: its commit is the last; a failure there after a SQL target
    published says so (see the module)."""

    def __init__(self, sink: RecordSink, targets: RunTargets) -> None:
        self._sink = sink
        self._targets = targets

    @property
    def name(self) -> str:
        return self._sink.name

    @property
    def kept_after_abort(self) -> int:
        """What the run published for good in all its targets, if it failed after."""
        kept = getattr(self._sink, "kept_after_abort", 0)
        return (kept if isinstance(kept, int) else 0) + self._targets.kept

    def write_batch(self, records: Sequence[Record]) -> Any:
        return self._sink.write_batch(records)

    def commit(self) -> None:
        self._targets.publish(self._sink)

    def abort(self) -> None:
        self._sink.abort()

    def __getattr__(self, name: str) -> Any:  # add_companion …
        return getattr(self._sink, name)


def _http_sink(sink: RecordSink) -> HttpSink | None:
    """`sink` when it is the HTTP connector's (whose module any HTTP sink has loaded)."""
    http = sys.modules.get("fieldwright.connectors.http")
    return sink if http is not None and isinstance(sink, http.HttpSink) else None


def _route_names(steps: Sequence[Any]) -> dict[int, str]:
    """The name a branch target's dead letters carry (``route/branch``), by the id of the
    document's `Branch`: the compiled steps' route runtimes hold those same objects."""
    names: dict[int, str] = {}
    for step in steps:
        for branch in getattr(step, "branches", None) or ():
            names[id(branch.branch)] = f"{step.name}/{branch.name}"
    return names


class RunTargets:
    """Opens the branch targets of one pipeline run and publishes every target of it.

    `output` is the run's output file (None when the run's target is not a file: a
    branch's file target then cannot be placed); `run_key` gives the run's key once
    the run has one (the staged rows' batch id), `connections` the saved connections,
    `steps` the compiled pipeline's steps, all levels (`CompiledPipeline.all_steps`: the
    names of the branches' dead letters).
    """

    def __init__(
        self,
        output: Path | None,
        connections: ConnectionLookup | None,
        run_key: Callable[[], str | None],
        *,
        reprocess_of: str | None = None,
        steps: Sequence[Any] = (),
    ) -> None:
        self._output = output
        self._reprocess_of = reprocess_of
        self._connections = connections
        self._run_key = run_key
        self._route_names = _route_names(steps)
        #: Targets published for good in this run (SQL tables moved, endpoints posted).
        self.published: list[str] = []
        #: Records those targets hold for good.
        self.kept = 0
        #: The HTTP branch targets, posted when the run publishes (`_held`), and the
        #: output when it is an endpoint.
        self._held: list[_HttpHeld] = []
        self._held_output: _HttpHeld | None = None
        self._letters: Callable[[DeadLetter], None] | None = None

    def hold(self, sink: RecordSink) -> RecordSink:
        """The run's output sink as opened: an HTTP endpoint is held back (spooled, posted
        when the run publishes); any other target is returned as it is."""
        http = _http_sink(sink)
        if http is None:
            return sink
        held = _HttpHeld(http, "the output", None)
        self._held_output = held
        return held

    def open_branch(self, branch: Branch) -> RecordSink:
        """The sink of a route branch's own target (Branch.target)."""
        connector = branch.target.connector if branch.target is not None else None
        where = f"branch {branch.name!r}"
        kind = connector.kind.lower() if connector is not None else None
        if connector is not None and kind in ("sql", "http"):
            ref = staged_target(_with_connection(connector, self._connections, where))
            key = self._run_key()
            run_id = f"{key}/{branch.name}"[:64] if key else None
            try:
                sink = open_connector_sink(ref, run_id=run_id)
            except ConnectorError as exc:
                raise ConnectorError(f"{where}: {exc}") from exc
            http = _http_sink(sink)
            if http is None:  # a SQL table
                return sink
            step = self._route_names.get(id(branch), branch.name)
            held = _HttpHeld(http, where, step)
            self._held.append(held)
            return held
        if connector is not None and file_kind_format(connector.kind) is None:
            raise ConnectorError(
                f"{where}: a branch's target is a file, a SQL table or an HTTP endpoint, "
                f"not {connector.kind}"
            )
        if self._output is None:
            raise ConnectorError(
                f"{where}: a branch's file target lies beside the run's output, so the "
                "run's target must be a file (or give the branch a SQL or HTTP target)"
            )
        return _file_branch_sink(branch, connector, self._output, self._reprocess_of)

    def output(self, sink: RecordSink) -> RecordSink:
        """The run's output sink, committing last (`publish`)."""
        return _Published(sink, self)

    def join(self, output: RecordSink, branch: RecordSink) -> None:
        """Publish a branch's target as the run ends: a file joins the output's commit, a
        SQL table moves its staged rows in now (before the output's commit), an HTTP
        endpoint waits to be posted with the output (`publish`)."""
        if isinstance(branch, FileSink):
            if not callable(getattr(output, "add_companion", None)):
                raise ConnectorError(f"{branch.name}: a branch's file needs a file output")
            output.add_companion(branch.hand_over())  # type: ignore[attr-defined]
            return
        if isinstance(branch, _HttpHeld):
            return  # posted by `publish`, after every table moved
        self._commit(branch)

    def publish(self, output: RecordSink) -> None:
        """Publish the output and the held endpoints in the module's order: a table output
        moves before the endpoints are posted; an endpoint output is posted after the
        branches' endpoints, and a file output commits after them all."""
        if self._held_output is None and not callable(getattr(output, "add_companion", None)):
            self._commit(output)  # a SQL table (or another kind of target): it may refuse
            for held in self._held:
                self._commit(held, held)
            return
        for held in self._held:
            self._commit(held, held)
        self._commit(output, self._held_output, last=True)

    def _commit(
        self, sink: RecordSink, held: _HttpHeld | None = None, *, last: bool = False
    ) -> None:
        if held is not None:
            held.letters = self._letters
            held.after_published = lambda: bool(self.published)
        try:
            sink.commit()
        except Exception as exc:
            done = list(self.published)
            if held is not None and held.sent_records:
                done.append(held.sent())
                if not last:  # the output's own are its sink's `kept_after_abort`
                    self.kept += held.sent_records
            if not done and not isinstance(exc, PublishedPartly):
                raise
            said = "; ".join(done) or "nothing"
            log.error(
                "a pipeline run published %s, then %s failed: %s; those targets keep "
                "this run's records (separate targets cannot publish in one transaction)",
                said,
                sink.name,
                exc,
            )
            raise PublishedPartly(
                f"{exc}; already published by this run (not undone): {said}",
            ) from exc
        if last:
            return
        kept = getattr(sink, "kept_after_abort", 0)
        self.kept += kept if isinstance(kept, int) else 0
        self.published.append(held.sent() if held is not None else sink.name)

    # -- the run ----------------------------------------------------------------------

    def run(self, execute: Callable[..., RunOutcome], **options: Any) -> RunOutcome:
        """`execute` (the pipeline's `execute_pipeline`, its targets wired in) with this
        run's dead letters taken for the records an endpoint did not take, and the counts
        then settled: those records failed instead of skipped."""
        self._letters = options.get("on_dead_letter")
        outcome = execute(**options)
        unsent = sum(held.unsent for held in [*self._held, *filter(None, [self._held_output])])
        if not unsent:
            return outcome
        counts = outcome.counts.model_copy(
            update={
                "failed": outcome.counts.failed + unsent,
                "skipped": max(outcome.counts.skipped - unsent, 0),
            }
        )
        return dataclasses.replace(outcome, counts=counts)
