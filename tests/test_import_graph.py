"""Layers import downward only (DESIGN "Layers"): the import graph of the `serialtrack` package,
read from the source, has no cycle.

Every `import` and `from … import` of a serialtrack module counts, at module level or inside a
function: a function-local import is still a dependency, only a later one. Two graphs are checked:

- between the package's top-level parts (`serialtrack.posting`, `serialtrack.queries`,
  `serialtrack.catalog`, `serialtrack.cli` …): importing any module of a package runs the
  package's `__init__`, so a dependency on `serialtrack.posting.engine` is a dependency on
  `serialtrack.posting`;
- between the modules inside each package (`cli/app.py` and `cli/accounts.py`): there
  `from serialtrack.cli import labels` names the module `labels`, and a package's `__init__`
  importing its own modules is not a cycle (Python runs it first, before any of them).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import serialtrack

PACKAGE = "serialtrack"
SOURCE = Path(serialtrack.__file__).resolve().parent


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the serialtrack module imported (or the package, for a name it defines)
    where: str  # path:line of the import statement


def modules(root: Path, package: str) -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is a package's __init__) for every .py file under `root`."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        is_init = parts[-1] == "__init__"
        if is_init:
            parts.pop()
        found[".".join(parts)] = (path, is_init)
    return found


def imports(root: Path, package: str) -> list[Import]:
    """Every import of a module of `package` in its source, resolved to the module it loads."""
    known = modules(root, package)

    def module_of(name: str) -> str:
        while name not in known:  # `import pkg.mod.attr` is not possible, but `pkg.name` is
            name = name.rpartition(".")[0]
        return name

    out: list[Import] = []
    for name, (path, is_init) in known.items():
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        where = f"{path.relative_to(root.parent)}"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name if is_init else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        here = here.rpartition(".")[0]
                    base = f"{here}.{base}" if base else here
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                           for a in node.names]
            for target in dict.fromkeys(targets):  # once per statement
                if target == package or target.startswith(package + "."):
                    out.append(Import(name, module_of(target), f"{where}:{node.lineno}"))
    return out


def part_of(module: str, package: str) -> str:
    """`serialtrack.posting.engine` -> `serialtrack.posting`; the root package stays itself."""
    return ".".join(module.split(".")[:2]) if module != package else package


def package_graph(found: list[Import], package: str) -> dict[tuple[str, str], list[str]]:
    """(part, part) edges between the package's top-level parts, with the imports behind each.
    Importing anything in the package runs its root `__init__` too."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for imp in found:
        source, target = part_of(imp.source, package), part_of(imp.target, package)
        if source != target:
            edges[source, target].append(f"{imp.where} imports {imp.target}")
        if source != package:
            edges[source, package].append(f"{imp.where} (runs {package}/__init__.py)")
    return edges


def module_graphs(found: list[Import], package: str
                  ) -> dict[str, dict[tuple[str, str], list[str]]]:
    """Per top-level subpackage, the edges between its own modules."""
    graphs: dict[str, dict[tuple[str, str], list[str]]] = defaultdict(lambda: defaultdict(list))
    for imp in found:
        part = part_of(imp.source, package)
        if imp.source != imp.target and part == part_of(imp.target, package) and part != package:
            graphs[part][imp.source, imp.target].append(f"{imp.where} imports {imp.target}")
    return graphs


def cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """The cycles of the graph: for every edge a -> b that lies on a cycle, the shortest way back
    from b to a closes one. Each cycle once, starting at its smallest node."""
    after: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        after[a].add(b)

    def shortest(start: str, goal: str) -> list[str] | None:
        paths = {start: [start]}
        frontier = [start]
        while frontier:
            nxt: list[str] = []
            for node in frontier:
                for b in sorted(after[node]):
                    if b not in paths:
                        paths[b] = [*paths[node], b]
                        if b == goal:
                            return paths[b]
                        nxt.append(b)
            frontier = nxt
        return None

    found: set[tuple[str, ...]] = set()
    for a, b in edges:
        back = [b] if b == a else shortest(b, a)
        if back is None:
            continue
        ring = [a, *back[:-1]] if b != a else [a]
        turn = ring.index(min(ring))
        found.add(tuple(ring[turn:] + ring[:turn]))
    return [list(c) for c in sorted(found, key=lambda c: (len(c), c))]


def describe(found: list[list[str]], edges: dict[tuple[str, str], list[str]]) -> str:
    lines: list[str] = []
    for ring in found:
        lines.append(" -> ".join([*ring, ring[0]]))
        for a, b in zip(ring, [*ring[1:], ring[0]], strict=True):
            sites = edges[a, b]
            more = f" (and {len(sites) - 3} more)" if len(sites) > 3 else ""
            lines.append(f"    {a} -> {b}: {'; '.join(sites[:3])}{more}")
    return "\n".join(lines)


def all_cycles(root: Path, package: str) -> Iterator[tuple[str, list[list[str]], str]]:
    """(scope, cycles, description) for the package graph and each subpackage's module graph."""
    found = imports(root, package)
    graphs = {f"the parts of {package}": package_graph(found, package)}
    graphs.update({f"the modules of {part}": g for part, g in sorted(module_graphs(found, package).items())})
    for scope, edges in graphs.items():
        rings = cycles(edges)
        if rings:
            yield scope, rings, describe(rings, edges)


def test_the_package_import_graph_has_no_cycle() -> None:
    found = list(all_cycles(SOURCE, PACKAGE))
    if found:
        pytest.fail("\n".join(f"import cycles between {scope}:\n{text}" for scope, _rings, text in found),
                    pytrace=False)


# The bottom layer: below the posting engine and the queries, importing nothing above it.
BOTTOM = {"serialtrack.errors", "serialtrack.database", "serialtrack.fastpath", "serialtrack.serials"}


def test_errors_database_plumbing_and_serial_rules_import_nothing_above_them() -> None:
    above = [f"{imp.where} imports {imp.target}" for imp in imports(SOURCE, PACKAGE)
             if imp.source in BOTTOM and imp.target not in BOTTOM | {PACKAGE}]
    assert above == []


def test_gs1_imports_nothing_else_of_serialtrack() -> None:
    """The GS1 parser is a standard's reader: the engine and the interfaces use it, not it them."""
    outside = [f"{imp.where} imports {imp.target}" for imp in imports(SOURCE, PACKAGE)
               if part_of(imp.source, PACKAGE) == "serialtrack.gs1"
               and part_of(imp.target, PACKAGE) not in ("serialtrack.gs1", PACKAGE)]
    assert outside == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def test_a_cycle_through_a_function_local_or_relative_import_is_found(tmp_path: Path) -> None:
    """The graph sees what the package test relies on: a function-local import, a relative
    import, a module of a package standing for the package, a module named by
    `from package import module`, and a package's __init__ importing its own modules (no cycle)."""
    root = tmp_path / "shop"
    _write(root, {
        "__init__.py": "",
        "catalog.py": "def f():\n    from shop.posting.errors import Refused\n",
        "posting/__init__.py": "from shop.posting import engine\n",
        "posting/errors.py": "class Refused(Exception): ...\n",
        "posting/engine.py": "from .. import catalog\nfrom . import errors\n",
        "cli/__init__.py": "",
        "cli/app.py": "import shop.posting\nfrom shop.cli import accounts\n",
        "cli/accounts.py": "from shop.cli.app import command\n",
    })
    found = {scope: rings for scope, rings, _text in all_cycles(root, "shop")}
    assert found == {
        "the parts of shop": [["shop.catalog", "shop.posting"]],
        "the modules of shop.cli": [["shop.cli.accounts", "shop.cli.app"]],
    }
    edges = package_graph(imports(root, "shop"), "shop")
    assert edges["shop.catalog", "shop.posting"] == [
        "shop/catalog.py:2 imports shop.posting.errors"]
    assert "shop/catalog.py:2 (runs shop/__init__.py)" in edges["shop.catalog", "shop"]


def test_an_acyclic_package_passes(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    _write(root, {
        "__init__.py": "",
        "errors.py": "class Refused(Exception): ...\n",
        "catalog.py": "from shop.errors import Refused\n",
        "posting/__init__.py": "from shop.posting import engine\n",
        "posting/engine.py": "from shop import catalog, errors\n",
        "cli/__init__.py": "",
        "cli/common.py": "from shop.errors import Refused\n",
        "cli/app.py": "from shop.cli import accounts, common\n",
        "cli/accounts.py": "from shop.cli.common import command\n",
    })
    assert list(all_cycles(root, "shop")) == []
