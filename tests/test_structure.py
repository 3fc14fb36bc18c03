"""The layout holds: every module of the project imports (a missing stage or area is an import
error, never a quiet skip), and no project module imports another that, directly or through
others, imports it back, counting imports inside functions, which is how a cycle hides."""
from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("voxindex", "indexer", "detectors", "search_api", "dashboards")


def project_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return sorted(names)


def module_files() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(module: str, path: Path, known: set[str]) -> set[tuple[str, bool]]:
    """(imported project module, at module top?) for every import in the file, wherever it is."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: set[tuple[str, bool]] = set()

    def resolve(name: str) -> str | None:
        while name and name not in known:  # `from a.b import func` -> a.b
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                continue  # never executed: annotations only
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    target = resolve(alias.name)
                    if target:
                        found.add((target, top))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    source = ".".join(base + ([child.module] if child.module else []))
                else:
                    source = child.module or ""
                for alias in child.names:
                    target = resolve(f"{source}.{alias.name}") or resolve(source)
                    if target:
                        found.add((target, top))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    found.discard((module, True))
    found.discard((module, False))
    return found


def import_graph() -> dict[str, dict[str, bool]]:
    """module -> {imported project module: whether any import of it is at module top}."""
    files = module_files()
    known = set(files)
    graph: dict[str, dict[str, bool]] = {}
    for module, path in files.items():
        edges: dict[str, bool] = {}
        for target, top in imports_of(module, path, known):
            edges[target] = edges.get(target, False) or top
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, bool]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return sorted(out)


def describe(component: list[str], graph: dict[str, dict[str, bool]]) -> str:
    members = set(component)
    edges = [f"  {a} -> {b}{'' if graph[a][b] else '  (inside a function)'}"
             for a in component for b in sorted(graph[a]) if b in members]
    return "\n".join(edges)


@pytest.mark.parametrize("module", project_modules())
def test_every_project_module_imports(module):
    importlib.import_module(module)


def test_the_checker_sees_a_cycle_hidden_in_a_function():
    graph = {"a": {"b": True}, "b": {"a": False}, "c": {"a": True}}
    assert cycles(graph) == [["a", "b"]]
    assert "(inside a function)" in describe(["a", "b"], graph)


def test_no_import_cycles_among_project_modules():
    graph = import_graph()
    assert "indexer.pipeline" in graph and graph["indexer.ingest"]  # the walk saw the code
    found = cycles(graph)
    assert not found, "import cycles (move the shared part into a module both can import):\n" + "\n\n".join(
        describe(c, graph) for c in found)


BULK_HELPERS = {"bulk", "streaming_bulk", "parallel_bulk", "async_bulk", "async_streaming_bulk"}


def bulk_calls_outside_the_bulk_path() -> list[str]:
    """Files, other than indexer/bulk.py, that reach elasticsearch's bulk helpers or the bulk API."""
    found = []
    for module, path in module_files().items():
        if module == "indexer.bulk":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "elasticsearch.helpers" and \
                    BULK_HELPERS & {a.name for a in node.names}:
                found.append(f"{module}:{node.lineno} imports a bulk helper")
            elif isinstance(node, ast.Attribute) and node.attr in BULK_HELPERS and isinstance(node.value, ast.Name) \
                    and node.value.id in ("helpers", "es", "client"):
                found.append(f"{module}:{node.lineno} calls {node.value.id}.{node.attr}")
    return found


def test_every_bulk_write_goes_through_indexer_bulk():
    """One bulk path: retries, refresh and per-document failures handled once (indexer/bulk.py)."""
    assert not bulk_calls_outside_the_bulk_path()
