"""The targets of one pipeline run, published together when the run succeeds (issue 19).

A pipeline run writes its output and the targets of its route branches. Each
is a file or a SQL table:

* a file is written to a hidden temporary file; a branch's file lies beside the
  run's output and joins the output's journalled commit (connectors/commit.py):
  all the run's files appear, or none;
* a SQL table is always written through its staging table
  (connectors/_sqlstaging.py, ``<table>__fw_staging``, whatever the target's
  ``staging`` setting says): rows wait there with the run's batch id, and are moved
  into the table in one final transaction per target only when the whole run
  succeeded. A failed run marks its staged rows failed: no table changes.

When the run has succeeded, the SQL targets publish first, one after the other
(branches in order, then the output when it is a table), and the files last
(one journalled commit, which fails far more rarely than a move: a renamed file
cannot break a constraint). A failure at any point aborts what has not yet
published. What cannot be atomic: the final transactions of several targets are
separate (several databases, or several tables of one) — if a second target's
move fails after the first committed, the first stays published. The run then
fails with a message naming the targets already published, and the same is
logged at error level, so that someone can undo or complete them by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fieldwright.connectors import ConnectorError, FileSink, SinkError, open_sink
from fieldwright.connectors.registry import open_connector_sink
from fieldwright.domain import ConnectorRef
from fieldwright.domain.pipeline import Branch
from fieldwright.domain.records import Record, RecordSink
from fieldwright.service._connectors import file_kind_format
from fieldwright.service.enrich_sources import ConnectionLookup
from fieldwright.service.files import file_settings

__all__ = ["RunTargets", "staged_target"]

log = logging.getLogger(__name__)


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
    return saved.model_copy(
        update={
            "settings": {**saved.settings, **ref.settings},
            "credential": ref.credential or saved.credential,
        }
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


class _Published:
    """The run's output: its commit is the last; a failure there after a SQL target
    published says so (see the module)."""

    def __init__(self, sink: RecordSink, targets: RunTargets) -> None:
        self._sink = sink
        self._targets = targets

    @property
    def name(self) -> str:
        return self._sink.name

    def write_batch(self, records: Sequence[Record]) -> Any:
        return self._sink.write_batch(records)

    def commit(self) -> None:
        self._targets.publish(self._sink)

    def abort(self) -> None:
        self._sink.abort()

    def __getattr__(self, name: str) -> Any:  # kept_after_abort, add_companion …
        return getattr(self._sink, name)


class RunTargets:
    """Opens the branch targets of one pipeline run and publishes every target of it.

    `output` is the run's output file (None when the run's target is not a file: a
    branch's file target then cannot be placed); `run_key` gives the run's key once
    the run has one (the staged rows' batch id), `connections` the saved connections.
    """

    def __init__(
        self,
        output: Path | None,
        connections: ConnectionLookup | None,
        run_key: Callable[[], str | None],
        *,
        reprocess_of: str | None = None,
    ) -> None:
        self._output = output
        self._reprocess_of = reprocess_of
        self._connections = connections
        self._run_key = run_key
        #: SQL targets whose final transaction has committed in this run.
        self.published: list[str] = []

    def open_branch(self, branch: Branch) -> RecordSink:
        """The sink of a route branch's own target (Branch.target)."""
        connector = branch.target.connector if branch.target is not None else None
        where = f"branch {branch.name!r}"
        if connector is not None and connector.kind.lower() == "sql":
            ref = staged_target(_with_connection(connector, self._connections, where))
            key = self._run_key()
            run_id = f"{key}/{branch.name}"[:64] if key else None
            try:
                return open_connector_sink(ref, run_id=run_id)
            except ConnectorError as exc:
                raise ConnectorError(f"{where}: {exc}") from exc
        if connector is not None and file_kind_format(connector.kind) is None:
            raise ConnectorError(
                f"{where}: a branch's target is a file or a SQL table, not {connector.kind}"
            )
        if self._output is None:
            raise ConnectorError(
                f"{where}: a branch's file target lies beside the run's output, so the "
                "run's target must be a file (or give the branch a SQL target)"
            )
        return _file_branch_sink(branch, connector, self._output, self._reprocess_of)

    def output(self, sink: RecordSink) -> RecordSink:
        """The run's output sink, committing last (`publish`)."""
        return _Published(sink, self)

    def join(self, output: RecordSink, branch: RecordSink) -> None:
        """Publish a branch's target as the run ends: a file joins the output's commit, a
        SQL table moves its staged rows in now (before the output's commit)."""
        if isinstance(branch, FileSink):
            if not callable(getattr(output, "add_companion", None)):
                raise ConnectorError(f"{branch.name}: a branch's file needs a file output")
            output.add_companion(branch.hand_over())  # type: ignore[attr-defined]
            return
        self._commit(branch, last=False)

    def publish(self, output: RecordSink) -> None:
        """Commit the run's output, the last of its targets."""
        self._commit(output, last=True)

    def _commit(self, sink: RecordSink, *, last: bool) -> None:
        try:
            sink.commit()
        except Exception as exc:
            if not self.published:
                raise
            done = ", ".join(self.published)
            log.error(
                "a pipeline run published %s, then %s failed: %s; those targets keep "
                "this run's rows (the final transactions of several targets are separate)",
                done,
                sink.name,
                exc,
            )
            raise SinkError(
                f"{exc}; already published by this run (not undone): {done}",
            ) from exc
        if not last:
            self.published.append(sink.name)
