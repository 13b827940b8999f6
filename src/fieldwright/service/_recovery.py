"""Runs left "running" by a process that was killed: fail them and check their targets.

A run records the process (pid and host) running it. On start, a run still
marked running whose process on this host is gone is logged failed with the
reason "the process running it stopped (pid …)". File targets are written to
a temporary file and renamed only on commit, so a killed run never touched
its target; the check confirms it (the target is absent, or matches its
manifest) and removes the temporary file the killed process left behind.
Runs of another host are left alone: nothing here can tell whether they live.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from pathlib import Path

from fieldwright.connectors import manifest_path
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


def check_file_target(path: Path) -> str:
    """Say what a killed run left at its file target, removing its temporary files."""
    leftovers = list(path.parent.glob(f".{path.name}.*.tmp")) if path.parent.is_dir() else []
    for temp in leftovers:
        temp.unlink(missing_ok=True)
    cleaned = f"; removed {len(leftovers)} unfinished temporary file(s)" if leftovers else ""
    if not path.exists():
        return f"nothing was written to {path}{cleaned}"
    manifest = manifest_path(path)
    try:
        expected = json.loads(manifest.read_text(encoding="utf-8")).get("checksum")
        intact = expected == _sha256(path)
    except (OSError, ValueError, AttributeError):
        intact = False
    if intact:
        return f"{path} is as the previous run left it (it matches its manifest){cleaned}"
    return f"{path} does not match its manifest {manifest.name}; check it before use{cleaned}"


def _target_note(lineage: RunLineage) -> tuple[str, bool]:
    """A sentence about the target, and whether records written may have been kept."""
    target = lineage.details.get("target")
    if not isinstance(target, dict):
        return "", True
    settings = target.get("settings")
    raw = settings.get("path") if isinstance(settings, dict) else None
    kind = str(target.get("kind", "")).lower()
    if not isinstance(raw, str) or kind in ("sql", "http"):
        return "", True
    try:
        return "; " + check_file_target(Path(raw)), False
    except OSError as exc:
        return f"; cannot check {raw}: {exc.strerror}", False


def fail_interrupted_runs(runs: RunRepository) -> list[str]:
    """Fail the runs whose process stopped; returns their keys."""
    host = socket.gethostname()
    failed: list[str] = []
    for key, lineage in runs.running_runs():
        if not _stopped(key, lineage, host):
            continue
        note, kept = _target_note(lineage)
        who = f"pid {lineage.process_id}" if lineage.process_id is not None else "unknown pid"
        if lineage.host is not None:
            who += f" on {lineage.host}"
        reason = f"the process running it stopped ({who}){note}"
        if runs.fail_running_run(key, reason, kept_written=kept):
            log.warning("run %s: %s", key, reason)
            failed.append(key)
    return failed
