"""Issue 16 item 7 in the app's import: a mapping file whose key is not a safe file name is
refused with the reason, as `fieldwright import` refuses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldwright.authoring.store_documents import StoreDocuments
from fieldwright.domain import MappingDocument, save
from fieldwright.service import InvalidRequest, Service


def _document(key: str) -> MappingDocument:
    return MappingDocument.model_validate(
        {"fieldwright": 1, "key": key, "name": "n", "fields": [{"target": "$.a", "constant": 1}]}
    )


def test_an_unsafe_key_is_refused_and_a_safe_one_imported(tmp_path: Path) -> None:
    with Service.open(f"sqlite:///{tmp_path / 'fw.db'}", user="alice") as service:
        documents = StoreDocuments(service)
        evil = tmp_path / "evil.json"
        save(_document("../../etc/x"), evil)
        with pytest.raises(InvalidRequest, match=r"evil\.json: .*not a safe file name"):
            documents.import_file(evil)
        good = tmp_path / "good.json"
        save(_document("mapping_A_B_ACME_20250724"), good)
        assert documents.import_file(good).key == "mapping_A_B_ACME_20250724"
