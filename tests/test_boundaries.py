"""The import rules of the house (docs/architecture.md, "Layers and rules of the house"), checked.

A domain package reaches another domain only through that domain's public modules; only HTTP
adapters import the web framework; only wiring modules import the runtime.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "linli"
# Packages that may import anything: they wire processes or adapt protocols.
ADAPTERS = {"runtime", "web", "interop", "migrations"}
# Imported freely by every domain.
SHARED = {"core", "security"}
# What a domain shows other domains, at any depth (`cases.incidents.service` too).
PUBLIC = {"service", "models", "schemas", "types", "errors", "events"}
# Modules that plug a domain into processes: they may import the runtime's registries.
WIRING = {"extension", "cli"}
RUNTIME_REGISTRIES = {f"linli.runtime.{name}" for name in ("extensions", "scheduler", "commands")}
HTTP = ("fastapi", "starlette")


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        yield ".".join(("linli", *parts)), path


def _imports(module: str, path: Path) -> Iterator[str]:
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


def _is_module(name: str) -> bool:
    parts = name.split(".")
    return (SRC.joinpath(*parts[1:]).with_suffix(".py")).exists() or SRC.joinpath(
        *parts[1:]
    ).is_dir()


def _crossings() -> list[str]:
    found: list[str] = []
    for module, path in _modules():
        parts = module.split(".")
        if len(parts) < 3 or parts[1] in ADAPTERS:
            continue
        domain, leaf = parts[1], parts[-1]
        for name in _imports(module, path):
            if name.split(".")[0] in HTTP and not (
                leaf in {"api", "deps", "extension"} or leaf.endswith("_api")
            ):
                found.append(f"{module} imports {name}: only HTTP adapters know the web framework")
            if not name.startswith("linli."):
                continue
            target = name.split(".")
            if len(target) < 3 or target[1] in {domain, *SHARED}:
                continue
            if target[1] == "runtime":
                if leaf not in WIRING or ".".join(target[:3]) not in RUNTIME_REGISTRIES:
                    found.append(f"{module} imports {name}: only extension/cli wire the runtime")
                continue
            # The imported module (drop a trailing name imported from it).
            owner = name if _is_module(name) else name.rsplit(".", 1)[0]
            if owner.split(".")[-1] not in PUBLIC:
                found.append(f"{module} imports {name}: not a public module of {target[1]}")
    return found


def test_domains_reach_each_other_only_through_public_modules() -> None:
    assert _crossings() == []


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
