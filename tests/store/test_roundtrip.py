"""Lossless: document → store → document gives back the same canonical bytes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from fieldwright.domain import MappingDocument, dumps, loads
from fieldwright.store import MappingRepository, Store

from .strategies import mapping_documents


def test_strategy_documents_are_valid_and_canonical() -> None:
    @given(mapping_documents())
    @settings(max_examples=30, deadline=None)
    def check(doc: MappingDocument) -> None:
        assert loads(dumps(doc)) == doc

    check()


def test_round_trip_through_the_store_is_lossless(store: Store) -> None:
    repo = MappingRepository(store)

    @given(mapping_documents())
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def check(doc: MappingDocument) -> None:
        info = repo.import_document(doc)
        expected = doc.model_copy(update={"version": info.version})
        back = repo.export_document(doc.key, info.version)
        assert dumps(back) == dumps(expected)
        assert back == expected
        assert repo.load_mapping(doc.key) == expected

    check()
