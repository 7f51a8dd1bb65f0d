"""The package's imports form no cycle, type-only and function-level ones included."""

import ast
from pathlib import Path

import sim

ROOT = Path(sim.__file__).parent


def module_name(path: Path) -> str:
    """Dotted name of a module file of the package."""
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of ``sim`` and the modules of ``sim`` it imports anywhere.

    Every ``import`` and ``from ... import`` counts, at any depth (inside
    functions and ``if TYPE_CHECKING:`` too). ``from sim.x import y`` points at
    ``sim.x.y`` when that is a module, else at ``sim.x``.
    """
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0]
                    base = f"{anchor}.{base}" if base else anchor
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a list of modules (first repeated at the end), or []."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str]:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        path.append(node)
        for target in sorted(graph[node]):
            cycle = visit(target)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return []

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return []


def test_the_package_has_no_import_cycle():
    """No module imports, even for types only, a module that imports it back."""
    cycle = find_cycle(import_graph())
    assert not cycle, " -> ".join(cycle)


def test_type_only_imports_count_and_close_a_cycle():
    """An import under ``if TYPE_CHECKING:`` is an edge; one back edge is a cycle."""
    graph = import_graph()
    assert "sim.world" in graph["sim.metrics"]  # imported for types only
    graph["sim.world"] = graph["sim.world"] | {"sim.metrics"}
    assert set(find_cycle(graph)) == {"sim.metrics", "sim.world"}


def test_the_engine_sits_above_its_steps_and_the_world():
    """Wiring modules import the world, never the engine that lists them."""
    graph = import_graph()
    for low in ("sim.world", "sim.step", "sim.conflict", "sim.diplomacy"):
        assert "sim.engine" not in graph[low], low
