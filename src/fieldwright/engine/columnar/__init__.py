"""The columnar engine: compiled mappings lowered to Polars, in parity with the row engine.

`plan_mapping` (no Polars import) says which fields vectorise; `execute_columnar`
(imported on first use: it imports Polars) runs chunks of a file through the
plan into the same sinks, with the row engine redoing every record the
columnar path does not vouch for. See docs/columnar.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fieldwright.engine.columnar.plan import KERNELS, ColumnarPlan, FieldPlan, plan_mapping

if TYPE_CHECKING:
    from fieldwright.engine.columnar.run import execute_columnar

__all__ = ["KERNELS", "ColumnarPlan", "FieldPlan", "execute_columnar", "plan_mapping"]


def __getattr__(name: str) -> Any:
    if name == "execute_columnar":  # imports Polars: only when a columnar run starts
        from fieldwright.engine.columnar.run import execute_columnar

        return execute_columnar
    raise AttributeError(name)
