"""Two processes writing the same SQLite file: every save lands, none sees "database is locked"."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from fieldwright.domain import FORMAT_VERSION, FieldMapping, MappingDocument
from fieldwright.domain.runs import RunCounts, RunStatus
from fieldwright.store import MappingRepository, RunRepository, Store, VersionConflict

SAVES = 15
SHARED = "mapping_SHARED_X_Y_20250724"


def _writer(url: str, name: str, start: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    with Store.open(url, user=name) as store:
        mappings, runs = MappingRepository(store), RunRepository(store)
        start.wait(10)
        for i in range(SAVES):
            key = f"mapping_{name.upper()}_X_ACME_20250724"
            doc = MappingDocument(
                fieldwright=FORMAT_VERSION,
                key=key,
                name=f"{name} {i}",
                fields=[FieldMapping(target=f"$.f{j}", sources=[f"$.s{j}"]) for j in range(20)],
            )
            mappings.save_mapping(doc, base_version=i or None)
            run_key = f"proc_{name}_{i:03d}"
            runs.start_run(run_key, mapping_key=key, mapping_version=i + 1)
            runs.finish_run(
                run_key, status=RunStatus.COMPLETED, counts=RunCounts(read=1, written=1)
            )
            # Both also append to one shared mapping, retrying on conflict like an editor would.
            while True:
                try:
                    latest = mappings.latest_version(SHARED)
                    shared = MappingDocument(
                        fieldwright=FORMAT_VERSION, key=SHARED, name=f"{name} {i}"
                    )
                    mappings.save_mapping(shared, base_version=latest)
                    break
                except VersionConflict:
                    continue


def test_two_processes_write_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fieldwright.db'}"
    with Store.open(url) as store:
        MappingRepository(store).save_mapping(
            MappingDocument(fieldwright=FORMAT_VERSION, key=SHARED, name="start")
        )
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_writer, args=(url, name, start)) for name in ("ann", "ben")]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    with Store.open(url) as store:
        mappings, runs = MappingRepository(store), RunRepository(store)
        for name in ("ann", "ben"):
            history = mappings.history(f"mapping_{name.upper()}_X_ACME_20250724")
            assert [h.version for h in history] == list(range(SAVES, 0, -1))
            assert {h.saved_by for h in history} == {name}
        assert runs.count_runs(status=RunStatus.COMPLETED) == 2 * SAVES
        shared = mappings.history(SHARED)
        assert [h.version for h in shared] == list(range(2 * SAVES + 1, 0, -1))
        assert sorted(h.saved_by for h in shared[:-1]) == ["ann"] * SAVES + ["ben"] * SAVES
