"""Runs left "running" by a process that was killed: fail them and check their targets.

A run records the process (pid and host) running it. On start, a run still
marked running whose process on this host is gone is settled from what its
target holds. A file target is committed in one journalled step (output, dead
letters, manifest; `fieldwright.connectors.commit`): recovery first finishes
a commit the killed process had begun and removes its temporary files. If the
manifest then names the run, its output was delivered: the run is logged
completed with the manifest's counts (re-running it would duplicate the
delivery). Otherwise the run is logged failed with the reason "the process
running it stopped (pid …)" and what the target holds (the previous run's
output matching its manifest, or nothing). Runs of another host are left
alone: nothing here can tell whether they live.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any

from fieldwright.connectors import (
    ConnectorError,
    fail_staged_run,
    manifest_path,
    recover_file_target,
)
from fieldwright.domain import ConnectorRef
from fieldwright.domain.runs import RunCounts, RunStatus
from fieldwright.service._store_log import active_run_keys
from fieldwright.store import RunRepository
from fieldwright.store.runs import RunLineage

__all__ = ["fail_interrupted_runs", "process_alive"]

log = logging.getLogger(__name__)


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:  # e.g. Windows: no signal 0; assume alive rather than fail a live run
        return True
    return True


def _stopped(key: str, lineage: RunLineage, host: str) -> bool:
    if lineage.process_id is None:  # logged before runs recorded their process
        return lineage.host is None
    if lineage.host not in (None, host):
        return False
    if lineage.process_id == os.getpid():
        return key not in active_run_keys()
    return not process_alive(lineage.process_id)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _committed_counts(manifest: dict[str, Any] | None, key: str | None) -> RunCounts | None:
    """The counts the manifest gives for run `key`, when that run committed it."""
    run = manifest.get("run") if manifest else None
    if key is None or not isinstance(run, dict) or run.get("key") != key:
        return None
    try:
        return RunCounts(
            read=int(run["read"]),
            written=int(run["written"]),
            failed=int(run["failed"]),
            filtered=int(run["filtered"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def check_file_target(path: Path, key: str | None = None) -> tuple[str, RunCounts | None]:
    """Say what a stopped run left at its file target, after finishing a commit it had
    begun and removing its temporary files; with the run's counts when its own output
    is what the target holds."""
    report = recover_file_target(path)
    done = f"; {report}" if str(report) else ""
    if not path.exists():
        return f"nothing was written to {path}{done}", None
    manifest = _manifest(path)
    intact = manifest is not None and manifest.get("checksum") == _sha256(path)
    if not intact:
        return f"{path} does not match its manifest; check it before use{done}", None
    counts = _committed_counts(manifest, key)
    if counts is not None:
        return f"its output was committed to {path} before it stopped{done}", counts
    return f"{path} is as the previous run left it (it matches its manifest){done}", None


def _target_note(key: str, lineage: RunLineage) -> tuple[str, bool, RunCounts | None]:
    """A sentence about the target, whether records written may have been kept, and
    the run's counts when its output was committed."""
    target = lineage.details.get("target")
    if not isinstance(target, dict):
        return "", True, None
    settings = target.get("settings")
    raw = settings.get("path") if isinstance(settings, dict) else None
    kind = str(target.get("kind", "")).lower()
    if kind in ("sql", "http"):
        note, kept = _kept_note(key, target, kind)
        return note, kept, None
    if not isinstance(raw, str):
        return "", True, None
    try:
        note, counts = check_file_target(Path(raw), key)
    except OSError as exc:
        return f"; cannot check {raw}: {exc.strerror}", False, None
    return "; " + note, False, counts


def _kept_note(key: str, target: dict[str, Any], kind: str) -> tuple[str, bool]:
    """What a SQL or HTTP target kept of a stopped run (marking the staged rows it left
    failed), and whether records counted written stay written."""
    kept = (
        "; the target keeps the batches it committed: the written count is the last logged "
        "after a committed batch (one batch more may have been committed as it stopped)"
    )
    try:
        ref = ConnectorRef.model_validate(target)
    except ValueError:
        return kept, True
    if kind == "sql" and (ref.settings.get("staging") or ref.settings.get("staging_table")):
        try:
            staged = fail_staged_run(ref, key)
        except ConnectorError as exc:
            return f"; the target kept none of its rows; its staged rows stay pending: {exc}", False
        return (
            f"; the target kept none of its rows: {staged} staged row(s) were marked failed "
            "and will never be moved",
            False,
        )
    return kept, True


def fail_interrupted_runs(runs: RunRepository) -> list[str]:
    """Settle the runs whose process stopped (failed, or completed when their output
    was committed); returns their keys."""
    host = socket.gethostname()
    failed: list[str] = []
    for key, lineage in runs.running_runs():
        if not _stopped(key, lineage, host):
            continue
        note, kept, committed = _target_note(key, lineage)
        who = f"pid {lineage.process_id}" if lineage.process_id is not None else "unknown pid"
        if lineage.host is not None:
            who += f" on {lineage.host}"
        reason = f"the process running it stopped ({who}){note}"
        if committed is not None:
            if runs.get_run(key).status is RunStatus.RUNNING:
                runs.finish_run(
                    key, status=RunStatus.COMPLETED, counts=committed, error_summary=reason
                )
                log.warning("run %s: completed: %s", key, reason)
                failed.append(key)
            continue
        if runs.fail_running_run(key, reason, kept_written=kept):
            log.warning("run %s: %s", key, reason)
            failed.append(key)
    return failed
