"""Test cases of a mapping's current version and the results of running them.

The test cases themselves live in the mapping document; saving a version
copies them into `mapping_tests` (one row per test name) so results can be
recorded against them. A test removed from the document is kept, inactive,
with its results: nothing recorded is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldwright.domain.document import TestCase
from fieldwright.domain.store_models import MappingTestRecord, TestResultRecord, TestStatus
from fieldwright.store._util import clean
from fieldwright.store.errors import NotFound
from fieldwright.store.models import Mapping, MappingTest, MappingTestResult
from fieldwright.store.store import Store
from fieldwright.store.types import utcnow

__all__ = ["MappingTestRepository", "sync_tests"]


def _unique_names(tests: Sequence[TestCase]) -> list[tuple[str, TestCase]]:
    seen: set[str] = set()
    named = []
    for test in tests:
        name, n = clean(test.name), 1
        while name in seen:
            n += 1
            name = f"{clean(test.name)} #{n}"
        seen.add(name)
        named.append((name, test))
    return named


def sync_tests(session: Session, mapping_id: int, tests: Sequence[TestCase], user: str) -> None:
    """Make `mapping_tests` mirror the test cases of the version being saved."""
    rows = {
        row.name: row
        for row in session.scalars(select(MappingTest).where(MappingTest.mapping_id == mapping_id))
    }
    present = set()
    for name, test in _unique_names(tests):
        present.add(name)
        row = rows.get(name)
        if row is None:
            row = MappingTest(mapping_id=mapping_id, name=name, created_by=user, updated_by=user)
            session.add(row)
        row.kind = test.kind.value
        row.input_data = clean(test.input)
        row.expected_output = clean(test.expected)
        row.expect_failure = test.expect_failure
        row.active = True
    for name, row in rows.items():
        if name not in present:
            row.active = False


class MappingTestRepository:
    """Record and read the results of a mapping's test cases."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _tests(self, session: Session, mapping_key: str) -> dict[str, MappingTest]:
        mapping_id = session.scalar(select(Mapping.id).where(Mapping.key == mapping_key))
        if mapping_id is None:
            raise NotFound(f"there is no mapping {mapping_key!r} in {self._store.location}")
        query = select(MappingTest).where(MappingTest.mapping_id == mapping_id)
        return {row.name: row for row in session.scalars(query)}

    def record_results(self, mapping_key: str, results: Iterable[TestResultRecord]) -> int:
        """Store the outcome of a test run; returns how many results were stored."""
        count = 0
        with self._store.session(write=True) as session:
            tests = self._tests(session, mapping_key)
            for result in results:
                test = tests.get(result.test_name)
                if test is None:
                    raise NotFound(
                        f"mapping {mapping_key!r} has no test {result.test_name!r}; save the "
                        "mapping with that test before recording its results"
                    )
                session.add(
                    MappingTestResult(
                        test_id=test.id,
                        mapping_version=result.mapping_version,
                        status=result.status,
                        actual_output=clean(result.actual_output),
                        execution_time_ms=result.execution_time_ms,
                        error_message=result.error_message,
                        run_at=result.run_at or utcnow(),
                        run_by=self._store.user,
                    )
                )
                count += 1
        return count

    def tests(self, mapping_key: str, *, include_inactive: bool = False) -> list[MappingTestRecord]:
        """The mapping's test cases with their latest status."""
        with self._store.session() as session:
            records = []
            for name, test in sorted(self._tests(session, mapping_key).items()):
                if not (test.active or include_inactive):
                    continue
                last = session.scalar(
                    select(MappingTestResult)
                    .where(MappingTestResult.test_id == test.id)
                    .order_by(MappingTestResult.run_at.desc(), MappingTestResult.id.desc())
                    .limit(1)
                )
                records.append(
                    MappingTestRecord(
                        mapping_key=mapping_key,
                        name=name,
                        kind=test.kind,
                        active=test.active,
                        last_status=last.status if last else TestStatus.PENDING,
                        last_run_at=last.run_at if last else None,
                    )
                )
            return records

    def results(
        self, mapping_key: str, test_name: str | None = None, *, limit: int = 100
    ) -> list[TestResultRecord]:
        """Results newest first, of one test or of all the mapping's tests."""
        with self._store.session() as session:
            tests = self._tests(session, mapping_key)
            names = {test.id: name for name, test in tests.items()}
            ids = (
                list(names)
                if test_name is None
                else [tests[test_name].id]
                if test_name in tests
                else []
            )
            query = (
                select(MappingTestResult)
                .where(MappingTestResult.test_id.in_(ids))
                .order_by(MappingTestResult.run_at.desc(), MappingTestResult.id.desc())
                .limit(limit)
            )
            return [
                TestResultRecord(
                    test_name=names[row.test_id],
                    mapping_version=row.mapping_version,
                    status=row.status,
                    actual_output=row.actual_output,
                    execution_time_ms=row.execution_time_ms,
                    error_message=row.error_message,
                    run_at=row.run_at,
                )
                for row in session.scalars(query)
            ]
