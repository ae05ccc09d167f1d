"""The package's import structure, read from the sources (ast, nothing imported): the
layers (simulation <- experiments <- analysis <- cli / app) are never crossed upwards,
no module imports a private name (``_x``) from another module, and there is no import
circle among the modules, counting imports made inside functions too (a circle that is
only broken by importing late is still a circle)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
# source folder -> package name (pyproject's package-dir)
PACKAGES = {"simulation": "backbone.simulation", "experiments": "backbone.experiments",
            "analysis": "backbone.analysis", "scenarios": "backbone.scenarios",
            "backbone/cli": "backbone.cli", "backbone/app": "backbone.app"}
LAYER = {"backbone.simulation": 0, "backbone.scenarios": 0, "backbone.experiments": 1, "backbone.analysis": 2,
         "backbone.cli": 3, "backbone.app": 3}


def modules() -> dict[str, Path]:
    out = {}
    for folder, pkg in PACKAGES.items():
        for f in sorted((ROOT / folder).rglob("*.py")):
            rel = f.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([pkg, *parts])] = f
    return out


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def imports(module: str, path: Path, known: set[str]) -> list[tuple[str, str | None]]:
    """(imported module, imported name or None) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    here = module if is_pkg else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.append((sub, None) if sub in known else (target, a.name))
    return [(m, n) for m, n in out if m.startswith("backbone.")]


def resolve(name: str, known: set[str]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


@pytest.fixture(scope="module")
def graph():
    mods = modules()
    known = set(mods)
    g = nx.DiGraph()
    g.add_nodes_from(known)
    private = []
    for m, path in mods.items():
        for target, name in imports(m, path, known):
            t = resolve(target, known)
            if t is None or t == m:
                continue
            if name is not None and name.startswith("_") and not name.startswith("__"):
                private.append(f"{m} imports {name} from {t}")
            if t != package_of(m) or package_of(m) != m:   # a package's __init__ re-exporting is not an edge back
                g.add_edge(m, t)
    return g, private


def test_the_scan_sees_the_tree(graph):
    g, _ = graph
    assert "backbone.experiments.runner" in g and "backbone.analysis.claims" in g
    assert g.has_edge("backbone.analysis.claims", "backbone.experiments")   # through the package


def test_no_layer_imports_upwards(graph):
    g, _ = graph
    up = [f"{a} -> {b}" for a, b in g.edges
          if LAYER[package_of(b)] > LAYER[package_of(a)]]
    assert not up, up


def test_no_private_name_crosses_modules(graph):
    _, private = graph
    assert not private, private


def test_no_import_circles(graph):
    g, _ = graph
    # a package imports its own modules from its __init__ (re-exports): not a circle
    h = g.copy()
    h.remove_edges_from([(a, b) for a, b in g.edges if package_of(a) == a and package_of(b) == a])
    circles = [sorted(c) for c in nx.strongly_connected_components(h) if len(c) > 1]
    assert not circles, circles
