"""The project's import graph: layers that only import downward, and no import cycle.

    modules/  (the library)  <-  systems/  (compositions)  <-  environments/  (values)
        <-  main.py and the commands (backend/, review/, rehearsal/, security/, tooling/, benchmarks/)

Read from the source (every ``import`` and ``from ... import``, also inside functions), so an upward
import hidden in a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"modules": 0, "systems": 1, "environments": 2}
COMMANDS = 3  # main.py, backend/, review/, rehearsal/, security/, tooling/, benchmarks/


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] == "tests" or any(p.startswith(".") or p in ("node_modules", "__pycache__") for p in parts):
            continue
        name = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)

    def resolve(name: str | None) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
        graph[name] = {found for t in targets if (found := resolve(t)) and found != name}
    return graph


def layer(module: str) -> int:
    return LAYERS.get(module.split(".")[0], COMMANDS)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if layer(b) > layer(a))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_covers_every_layer(graph):
    assert {"modules.stack", "systems.codemate.stack", "environments.codemate.dev", "main"} <= set(graph)
    assert "systems.codemate.settings" in graph["environments.codemate.dev"]


def test_no_layer_imports_upward(graph):
    assert upward_imports(graph) == []


def test_there_is_no_import_cycle(graph):
    assert cycles(graph) == []


def test_the_checks_find_an_upward_import_and_a_cycle(tmp_path):
    # GIVEN a tiny project where a module imports a system, and two modules import each other
    (tmp_path / "modules").mkdir()
    (tmp_path / "systems").mkdir()
    (tmp_path / "modules" / "a.py").write_text("def f():\n    from systems import s\n")
    (tmp_path / "modules" / "b.py").write_text("from modules import c\n")
    (tmp_path / "modules" / "c.py").write_text("import modules.b\n")
    (tmp_path / "systems" / "s.py").write_text("from modules.a import f\n")
    found = import_graph(tmp_path)
    # THEN both are reported
    assert upward_imports(found) == ["modules.a -> systems.s"]
    assert cycles(found) == [["modules.a", "systems.s"], ["modules.b", "modules.c"]]  # the upward import closes one too
