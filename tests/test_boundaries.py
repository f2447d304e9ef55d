"""The import rules of the house (docs/architecture.md, "Layers and rules of the house"), checked.

A room (a domain package, or a sub-package of a family such as `cases/triage/`) reaches any
other room — a sibling, its parent or another domain — only through that room's public modules;
only HTTP adapters import the web framework; only wiring modules import the runtime; no
module of `linli` imports itself back through others (function-level imports count too); and
modules stay small enough to read.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "linli"
# Packages that may import anything: they wire processes or adapt protocols.
ADAPTERS = {"runtime", "web", "interop", "migrations"}
# Imported freely by every domain.
SHARED = {"core", "security"}
# What a room shows other rooms (`cases.service`, `cases.incidents.service`, `iot.types`…).
PUBLIC = {"service", "models", "schemas", "types", "errors", "events"}
# Modules that plug a domain into processes: they may import the runtime's registries, and the
# routers, commands and tasks of every room of their own domain.
WIRING = {"extension", "cli"}
RUNTIME_REGISTRIES = {f"linli.runtime.{name}" for name in ("extensions", "scheduler", "commands")}
HTTP = ("fastapi", "starlette")
# Route rules every domain's HTTP adapters declare, besides security's: the resident rule.
ROUTE_RULES = {"linli.residents.deps"}
MAX_LINES = 400


def _modules(root: Path = SRC) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        yield ".".join((root.name, *parts)), path


def _imports(module: str, path: Path) -> Iterator[str]:
    """Yield every name imported anywhere in the module (functions included)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from linli.cases import service` imports the module linli.cases.service.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _is_module(name: str, root: Path = SRC) -> bool:
    parts = name.split(".")
    return (root.joinpath(*parts[1:]).with_suffix(".py")).exists() or root.joinpath(
        *parts[1:]
    ).is_dir()


def _owner(name: str, root: Path = SRC) -> str:
    """Return the module a dotted import name refers to (dropping a name imported from it)."""
    return name if _is_module(name, root) else name.rsplit(".", 1)[0]


def _room(module: str, root: Path = SRC) -> str:
    """Return the package a module lives in (a package's `__init__` lives in itself)."""
    return module if root.joinpath(*module.split(".")[1:]).is_dir() else module.rsplit(".", 1)[0]


def _crossings() -> list[str]:
    found: list[str] = []
    for module, path in _modules():
        parts = module.split(".")
        if len(parts) < 3 or parts[1] in ADAPTERS:
            continue
        room, leaf = _room(module), parts[-1]
        adapter = leaf in {"api", "deps", "extension"} or leaf.endswith("_api")
        for name in _imports(module, path):
            if name.split(".")[0] in HTTP and not adapter:
                found.append(f"{module} imports {name}: only HTTP adapters know the web framework")
            if not name.startswith("linli."):
                continue
            target = name.split(".")
            if len(target) < 3 or target[1] in SHARED:
                continue
            if target[1] == "runtime":
                if leaf not in WIRING or ".".join(target[:3]) not in RUNTIME_REGISTRIES:
                    found.append(f"{module} imports {name}: only extension/cli wire the runtime")
                continue
            owner = _owner(name)
            if _room(owner) == room or owner == room:
                continue
            if owner in ROUTE_RULES and adapter:
                continue
            if leaf in WIRING and owner.startswith(f"linli.{parts[1]}."):
                continue
            if owner.split(".")[-1] not in PUBLIC and not (
                # An HTTP adapter declares its route rule from the room that owns it, as every
                # resident route does with `linli.residents.deps.resident`.
                owner.endswith(".deps") and (leaf == "api" or leaf.endswith("_api"))
            ):
                found.append(f"{module} imports {name}: not a public module of {_room(owner)}")
    return found


def _graph(root: Path = SRC) -> dict[str, set[str]]:
    """Return each module of the tree under `root` with the modules of that tree it imports."""
    modules = dict(_modules(root))
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = graph.setdefault(module, set())
        for name in _imports(module, path):
            if name.split(".")[0] != root.name:
                continue
            owner = _owner(name, root)
            owner = owner if owner in modules else f"{owner}.__init__"
            if owner in modules and owner != module:
                targets.add(owner)
    return graph


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Return one import cycle (as a path back to its start) per strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(start: str) -> None:
        # Tarjan's algorithm, iterative: the import graph is deeper than Python's recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_path_back(graph, component) for component in components]


def _path_back(graph: Mapping[str, set[str]], component: set[str]) -> list[str]:
    """Return the shortest import path from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for nxt in sorted(graph[node] & component):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                frontier.append(nxt)
    raise AssertionError("a strongly connected component always leads back")


def test_domains_reach_each_other_only_through_public_modules() -> None:
    assert _crossings() == []


def test_no_module_imports_itself_back() -> None:
    cycles = [" -> ".join(cycle) for cycle in _cycles(_graph())]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_modules_stay_small() -> None:
    """A module past 400 lines is split along its seams (landed migrations are never edited)."""
    long = {
        str(path.relative_to(SRC)): lines
        for _, path in _modules()
        if "versions" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    """The walker resolves the forms the code base uses; a private module is caught."""
    sample = tmp_path / "x.py"
    sample.write_text(
        "from linli.cases import catalogue\nfrom linli.cases.incidents.access import area_of\n"
        "from . import store\nimport fastapi\n"
    )
    names = list(_imports("linli.twin.x", sample))
    assert names == [
        "linli.cases.catalogue",
        "linli.cases.incidents.access.area_of",
        "linli.twin.store",
        "fastapi",
    ]
    assert not _is_module("linli.cases.incidents.access.area_of")
    assert _is_module("linli.cases.incidents.access")
    assert _room("linli.cases.triage.service") == "linli.cases.triage"
    assert _room("linli.cases.triage") == "linli.cases.triage"


def test_the_check_names_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    """A cycle closed by an import inside a function is found and named as a path."""
    pkg = tmp_path / "demo"
    (pkg / "rules").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "rules" / "__init__.py").write_text("")
    (pkg / "ingest.py").write_text("from demo.rules import service\n")
    (pkg / "store.py").write_text("X = 1\n")
    (pkg / "rules" / "service.py").write_text(
        "from demo import store\n\n\ndef evaluate() -> None:\n    from demo import ingest\n"
    )
    assert _cycles(_graph(pkg)) == [["demo.ingest", "demo.rules.service", "demo.ingest"]]
    (pkg / "rules" / "service.py").write_text("from demo import store\n")
    assert _cycles(_graph(pkg)) == []
