"""Test doubles that are real classes: sources that are slow or fail, and a document."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from fieldwright.connectors import ConnectorError
from fieldwright.domain import ConnectorRef, MappingDocument
from fieldwright.domain.records import Position, RecordSource, SourceItem
from fieldwright.service.facade import StandardConnectors
from fieldwright.service.runs import RunProgress

MAPPING_KEY = "mapping_GEN_OUT_TEST_20250724"


def simple_document(**run: object) -> MappingDocument:
    """Maps {id, name} to {id, name upper-cased}; a record without a name fails."""
    return MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": MAPPING_KEY,
            "name": "generated",
            "fields": [
                {"target": "$.id", "sources": ["$.id"]},
                {
                    "target": "$.name",
                    "sources": ["$.name"],
                    "required": True,
                    "transforms": [{"fn": "upper"}],
                },
            ],
            "run": {"batch_size": 100, **run},
        }
    )


def records(count: int, *, every_bad: int = 0) -> Iterator[SourceItem]:
    for index in range(count):
        bad = every_bad and index % every_bad == every_bad - 1
        record = {"id": index} if bad else {"id": index, "name": f"n{index}"}
        yield SourceItem(Position(line=index + 2), record)


class GeneratedSource:
    """`count` records, optionally `delay` seconds apart (a slow API)."""

    def __init__(self, count: int, *, delay: float = 0.0, every_bad: int = 0) -> None:
        self.count = count
        self.delay = delay
        self.every_bad = every_bad
        self.closed = False

    @property
    def name(self) -> str:
        return "generated"

    def __len__(self) -> int:  # a source that knows its size gets an ETA
        return self.count

    def __iter__(self) -> Iterator[SourceItem]:
        for item in records(self.count, every_bad=self.every_bad):
            if self.delay:
                time.sleep(self.delay)
            yield item

    def close(self) -> None:
        self.closed = True


class FlakyNetworkError(ConnectorError):
    """What an HTTP source raises on a 503: trying again later may work."""

    transient = True


class FlakySource(GeneratedSource):
    """Fails with a transient error after a few records on its first `failures` openings."""

    openings = 0

    def __init__(self, count: int, *, failures: int) -> None:
        super().__init__(count)
        FlakySource.openings += 1
        self.fail = FlakySource.openings <= failures

    def __iter__(self) -> Iterator[SourceItem]:
        for index, item in enumerate(super().__iter__()):
            if self.fail and index == 3:
                raise FlakyNetworkError("HTTP 503 Service Unavailable", target="https://api")
            yield item


class TestConnectors(StandardConnectors):
    """Files as usual; kind "test" sources come from `sources[settings["name"]]`."""

    __test__ = False

    def __init__(self) -> None:
        self.sources: dict[str, Callable[[], RecordSource]] = {}

    def open_source(self, ref: ConnectorRef, *, base_dir: Path | None) -> RecordSource:
        if ref.kind == "test":
            return self.sources[str(ref.settings["name"])]()
        return super().open_source(ref, base_dir=base_dir)


def test_source(name: str) -> ConnectorRef:
    return ConnectorRef(kind="test", settings={"name": name})


test_source.__test__ = False  # type: ignore[attr-defined]


def csv_target(path: Path) -> ConnectorRef:
    return ConnectorRef(kind="csv", settings={"path": str(path)})


class ProgressLog:
    """Collects progress snapshots; `seen` is set once `after` records were pulled
    (and, with `counted`, once the engine has counted some: they are in the store)."""

    def __init__(self, *, after: int = 1, counted: bool = False) -> None:
        self.items: list[RunProgress] = []
        self.seen = threading.Event()
        self.after = after
        self.counted = counted

    def __call__(self, progress: RunProgress) -> None:
        self.items.append(progress)
        if progress.records >= self.after and (progress.counts.read or not self.counted):
            self.seen.set()
