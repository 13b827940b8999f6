"""A process that writes a slow run into a SQL table and waits to be killed.

python -m tests.faults.killed_sql_run DATABASE_URL TARGET_URL (direct|staged)

Prints the run key once a few batches are in, then blocks until the test kills
it with SIGKILL.
"""

from __future__ import annotations

import sys
import threading

from fieldwright.domain import ConnectorRef
from fieldwright.service.facade import Service
from tests.service.helpers import GeneratedSource, ProgressLog, TestConnectors, simple_document
from tests.service.helpers import test_source as generated


def main(url: str, target_url: str, how: str) -> None:
    connectors = TestConnectors()
    connectors.sources["slow"] = lambda: GeneratedSource(10_000_000, delay=0.0005)
    service = Service.open(url, user="faults", connectors=connectors)
    progress = ProgressLog(after=450, counted=True)
    target = ConnectorRef(
        kind="sql",
        settings={"url": target_url, "table": "people", "staging": how == "staged"},
    )
    handle = service.start_run(
        simple_document(), source=generated("slow"), target=target, on_progress=progress
    )
    progress.seen.wait()
    print(handle.key, flush=True)
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
