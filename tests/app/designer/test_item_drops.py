"""A source field inside an array dropped on a target under [*] maps it in the item's terms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt

from fieldwright.app.shell.main_window import MainWindow
from fieldwright.domain import MappingDocument, dumps
from tests.authoring.test_item_paths import ORDER_SOURCE, ORDER_TARGET

Factory = Callable[..., MainWindow]


def _index(window: MainWindow, side: str, path: str) -> QModelIndex:
    panel = getattr(window.designer, side)
    return panel.proxy.mapFromSource(panel.model.index_for_path(path))


def _orders(tmp_path: Path) -> Path:
    document = MappingDocument.model_validate(
        {
            "fieldwright": 1,
            "key": "mapping_ORD_LINES_X_20260101",
            "name": "Orders to lines",
            "source": ORDER_SOURCE,
            "target": ORDER_TARGET,
        }
    )
    path = tmp_path / "orders.fwmap.json"
    path.write_text(dumps(document), encoding="utf-8")
    return path


def test_dropping_an_item_field_binds_the_array_and_draws_the_line(
    make_window: Factory, tmp_path: Path
) -> None:
    window = make_window(_orders(tmp_path))
    source, target = window.designer.source, window.designer.target
    mime = source.proxy.mimeData([_index(window, "source", "$.items[*].qty")])
    drop_on = _index(window, "target", "$.lines[*].qty")
    assert target.proxy.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, drop_on)
    document = window.session.document
    assert [(f.target, f.sources) for f in document.fields] == [
        ("$.lines[*]", ["$.items[*]"]),
        ("$.lines[*].qty", ["@.qty"]),
    ]
    drawn = {(line.source, line.target) for line in window.designer.lines.lines}
    assert ("$.items[*].qty", "$.lines[*].qty") in drawn
    assert ("$.items", "$.lines[*]") in drawn
    # One gesture, one undo: the binding goes with the field.
    window.session.stack.undo()
    assert window.session.document.fields == []
