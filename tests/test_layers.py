"""The package's import graph: no cycles, and every import points down the pipeline's layers (DESIGN.md)."""

import ast
from pathlib import Path

GENLIB = Path(__file__).resolve().parents[1] / "genlib"

# What each package may import (besides itself). cli -> experiment, evaluation/sampling -> families ->
# gan/diffusion/training -> networks, data, io, config; networks import no losses, metrics no
# training, and the report reads files.
ALLOWED = {
    "config": set(),
    "io": {"config"},
    "data": {"io", "config"},
    "networks": {"config"},
    "metrics": {"networks", "io", "config"},
    "training": {"io", "config"},
    "gan": {"training", "config"},
    "diffusion": {"config"},
    "translation": {"gan", "training", "config"},
    # a family reads held-out data where its samples start from it (a translator's test inputs)
    "families": {"gan", "diffusion", "translation", "training", "networks", "data", "io", "config"},
    "sampling": {"families", "io", "config"},
    # and picks the device it scores on (genlib.training.device)
    "evaluation": {"sampling", "families", "metrics", "training", "data", "io", "config"},
    "report": {"io", "config"},
    "pipeline": {"experiment", "families", "io", "config"},
    # a config's checks ask the families (their settings), the datasets (folder layouts, MNIST sources) and the
    # published tables (their methods), all without torch
    "experiment": {"families", "data", "report", "io", "config"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(GENLIB.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every genlib module a file imports, at the top or inside functions (not those for type checkers only)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("genlib")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("genlib"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in GENLIB.rglob("*.py")}
    edges = {}
    for name, path in modules.items():
        # The package root holds only the version; every layer may read it.
        edges[name] = {m for m in imports_of(path) if m in modules and m not in (name, "genlib")}
    return edges


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else "cli"


# Modules every layer may read: the kinds of data are facts each stage asks (genlib.data.kinds imports only
# config at its top; the readers of each kind are imported when a kind prepares or reads a dataset).
READ_BY_EVERY_LAYER = {"genlib.data.kinds"}


def test_every_import_points_down_the_layers():
    wrong = []
    for module, targets in graph().items():
        source = package_of(module)
        if source == "cli":
            continue
        for target in targets - READ_BY_EVERY_LAYER:
            wanted = package_of(target)
            if wanted != source and wanted not in ALLOWED[source]:
                wrong.append(f"{module} imports {target} ({source} may import {sorted(ALLOWED[source])})")
    assert wrong == []


def test_the_module_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_layer_check_sees_a_wrong_import(tmp_path, monkeypatch):
    """The check above is not vacuous: a network module importing a loss is reported."""
    monkeypatch.setattr("test_layers.graph", lambda: {"genlib.networks.mlp": {"genlib.gan.objectives"}})
    try:
        test_every_import_points_down_the_layers()
    except AssertionError as error:
        assert "genlib.networks.mlp imports genlib.gan.objectives" in str(error)
    else:
        raise AssertionError("a network importing a loss went unnoticed")


def nesting_depth(node: ast.AST) -> int:
    """Deepest nesting of compound statements (for, while, if, with, try) inside a function."""
    blocks = (ast.For, ast.While, ast.If, ast.With, ast.Try)
    children = [
        nesting_depth(child) + isinstance(child, blocks)
        for child in ast.iter_child_nodes(node)
        if not isinstance(child, (ast.FunctionDef, ast.Lambda))
    ]
    return max(children, default=0)


def test_training_code_reads_in_short_shallow_functions():
    """The trainers read like their papers' algorithms: no function over 60 lines or nested over 4 levels."""
    long_or_deep = []
    for package in ("families", "gan", "training", "diffusion"):
        for path in (GENLIB / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef):
                    lines, depth = node.end_lineno - node.lineno + 1, nesting_depth(node)
                    if lines > 60 or depth > 4:
                        long_or_deep.append(f"{path.name}:{node.name}: {lines} lines, nesting {depth}")
    assert long_or_deep == []
