"""A process that runs a mapping and SIGKILLs itself at a chosen point of the commit.

python -m tests.faults.killed_commit POINT file DOC INPUT OUTPUT
python -m tests.faults.killed_commit POINT store DATABASE_URL INPUT OUTPUT

POINT is where the process dies, just before the named step happens:

- ``journal``: every file is written and synced, the commit journal not yet in
  place (the commit point is not reached);
- ``manifest``: the output and its dead letters are renamed into place, the
  manifest not yet;
- ``logged``: every file is in place, the journal not yet removed and the run
  not yet logged as ended.

`file` runs `fieldwright run DOC -i INPUT -o OUTPUT` (no store); `store` runs the
generated mapping through the service on the store at DATABASE_URL and prints
the run key first. The kill is real: the test sees the process die of SIGKILL.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
from pathlib import Path
from typing import Any

from fieldwright.domain.records import Position, SourceItem
from tests.service.helpers import TestConnectors, csv_target, simple_document, test_source

_replace = os.replace
_unlink = os.unlink


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, output: Path) -> None:
    """Patch os.replace / os.unlink to die at `point` of the commit of `output`."""
    journal = output.with_name(f".{output.name}.commit.json")
    manifest = output.with_name(output.name + ".meta.json")

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if (point == "journal" and Path(dst) == journal) or (
            point == "manifest" and Path(dst) == manifest
        ):
            _die()
        _replace(src, dst, *args, **kwargs)

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if point == "logged" and Path(path) == journal:
            _die()
        _unlink(path, *args, **kwargs)

    os.replace = replace  # type: ignore[assignment]
    os.unlink = unlink  # type: ignore[assignment]


class ListSource:
    """500 records; every 5th has no name and fails (100 dead letters)."""

    name = "faults"

    def __iter__(self):  # type: ignore[no-untyped-def]
        for index in range(500):
            record = {"id": index} if index % 5 == 4 else {"id": index, "name": f"n{index}"}
            yield SourceItem(Position(line=index + 1), record)

    def close(self) -> None:
        pass


def main(point: str, mode: str, where: str, output: str) -> None:
    out = Path(output)
    arm(point, out)
    if mode == "file":
        sys.argv = ["fieldwright", "run", where, "-i", sys.argv[-2], "-o", output]
        runpy.run_module("fieldwright", run_name="__main__")
        return
    from fieldwright.service.facade import Service

    connectors = TestConnectors()
    connectors.sources["faults"] = ListSource
    service = Service.open(where, user="faults", connectors=connectors)
    handle = service.start_run(
        simple_document(), source=test_source("faults"), target=csv_target(out)
    )
    print(handle.key, flush=True)
    handle.wait(60)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5])
