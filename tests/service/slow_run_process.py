"""A process that starts a slow run and waits: the restart test kills it with SIGKILL.

python -m tests.service.slow_run_process DATABASE_URL OUTPUT.csv

Prints the run key once records flow, then blocks until killed.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from fieldwright.service.facade import Service
from tests.service.helpers import (
    GeneratedSource,
    ProgressLog,
    TestConnectors,
    csv_target,
    simple_document,
    test_source,
)


def main(url: str, output: str) -> None:
    connectors = TestConnectors()
    connectors.sources["slow"] = lambda: GeneratedSource(10_000_000, delay=0.001)
    service = Service.open(url, user="serve", connectors=connectors)
    progress = ProgressLog(after=300, counted=True)  # counts are in the store by then
    handle = service.start_run(
        simple_document(),
        source=test_source("slow"),
        target=csv_target(Path(output)),
        on_progress=progress,
    )
    progress.seen.wait()
    print(handle.key, flush=True)
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
