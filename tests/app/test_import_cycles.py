"""No import circles among the modules of fieldwright.app (type-only imports count too).

grimp (import-linter's graph) reads every import statement, including those
under `if TYPE_CHECKING:` and inside functions; a cycle among app modules is
reported as the chain of modules that closes it.
"""

from __future__ import annotations

from collections import deque

import grimp
import pytest

APP = "fieldwright.app"


def _cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """One closed chain of imports (first module repeated last) per strongly connected group."""
    modules = {m for m in graph.modules if m == package or m.startswith(package + ".")}
    imports = {
        m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in sorted(modules)
    }
    return [_chain(imports, group) for group in _groups(imports)]


def _groups(imports: dict[str, list[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components that hold a cycle (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []
    for root in imports:
        if root in index:
            continue
        work = [(root, iter(imports[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = set(stack[stack.index(module) :])
                    del stack[stack.index(module) :]
                    if len(group) > 1 or module in imports[module]:
                        groups.append(group)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(imports[child])))
            elif child in stack:
                low[module] = min(low[module], index[child])
    return groups


def _chain(imports: dict[str, list[str]], group: set[str]) -> list[str]:
    """The shortest import chain from the group's first module back to itself."""
    start = min(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for child in imports[module]:
            if child == start:
                chain = [module]
                while chain[-1] != start:
                    chain.append(came_from[chain[-1]])
                return [*reversed(chain), start]
            if child in group and child not in came_from:
                came_from[child] = module
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a group always holds one


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("fieldwright", cache_dir=None)


def test_no_import_cycles_in_the_app(graph: grimp.ImportGraph) -> None:
    cycles = _cycles(graph, APP)
    assert not cycles, "import cycles in fieldwright.app:\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles
    )


def test_the_check_names_a_cycle_through_type_only_imports() -> None:
    made = grimp.ImportGraph()
    for module in ("app", "app.window", "app.menus", "app.runs", "app.theme"):
        made.add_module(module)
    made.add_import(importer="app.window", imported="app.menus")
    made.add_import(importer="app.menus", imported="app.runs")
    made.add_import(importer="app.runs", imported="app.window")  # as under TYPE_CHECKING
    made.add_import(importer="app.window", imported="app.theme")
    made.add_import(importer="app.theme", imported="app.theme")
    assert _cycles(made, "app") == [
        ["app.theme", "app.theme"],
        ["app.menus", "app.runs", "app.window", "app.menus"],
    ]
