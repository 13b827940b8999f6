"""Sorting more records than memory holds: sorted runs in temporary files, merged with a heap.

`ExternalSorter` keeps up to `budget` entries in memory; beyond that it sorts
them and writes them to a temporary file (a run) with pickle, then merges the
runs and what is left in memory with `heapq.merge`. Entries are tuples whose
first element is the sort key; the second is a sequence number, which makes
the sort stable and the merge never compare the payloads. The files are the
process's own (never read from elsewhere) and are removed when the sorter is
closed or its merge ends.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["ExternalSorter"]

Entry = tuple[Any, ...]


def _read_run(handle: IO[bytes]) -> Iterator[Entry]:
    handle.seek(0)
    while True:
        try:
            block: list[Entry] = pickle.load(handle)
        except EOFError:
            return
        yield from block


class ExternalSorter:
    """Entries (key, seq, …) in key order, spilling sorted runs beyond `budget` entries."""

    #: Entries pickled together in a run file: fewer, larger writes and reads.
    BLOCK = 1024

    def __init__(self, budget: int, directory: str | Path | None = None) -> None:
        if budget < 1:
            raise ValueError("the budget is at least one entry")
        self.budget = budget
        self._directory = directory
        self._memory: list[Entry] = []
        self._runs: list[IO[bytes]] = []
        self.spilled = 0  #: entries written to run files so far

    def add(self, entry: Entry) -> None:
        self._memory.append(entry)
        if len(self._memory) >= self.budget:
            self._spill()

    def __len__(self) -> int:
        return self.spilled + len(self._memory)

    def _spill(self) -> None:
        self._memory.sort(key=_first_two)
        handle = tempfile.TemporaryFile(prefix="fieldwright-sort-", dir=self._directory)  # noqa: SIM115
        self._runs.append(handle)
        for start in range(0, len(self._memory), self.BLOCK):
            pickle.dump(self._memory[start : start + self.BLOCK], handle, pickle.HIGHEST_PROTOCOL)
        handle.flush()
        self.spilled += len(self._memory)
        self._memory = []

    def sorted(self) -> Iterator[Entry]:
        """Every entry added, in order of (key, seq); the sorter is empty after."""
        self._memory.sort(key=_first_two)
        memory, self._memory = self._memory, []
        runs, self._runs = self._runs, []
        try:
            if not runs:
                yield from memory
                return
            yield from heapq.merge(*(_read_run(h) for h in runs), memory, key=_first_two)
        finally:
            for handle in runs:
                handle.close()

    def close(self) -> None:
        """Drop every entry and remove the run files."""
        for handle in self._runs:
            handle.close()
        self._runs = []
        self._memory = []


def _first_two(entry: Entry) -> tuple[Any, Any]:
    return entry[0], entry[1]
