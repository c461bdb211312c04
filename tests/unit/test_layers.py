"""The shape of the code: the layers import only downwards and no modules import each other in a circle.

`flows/` is the pure domain (no database, no web, nothing of the bot), `storage/` sits under the bot, and
`bot/service/` is the shared layer every platform adapter and the reports call, so it imports none of them.
Imports are read from the source with `ast`, wherever they are in a module (at the top or inside a
function). An import under `if TYPE_CHECKING:` runs no code, so it does not break a layer rule; it still
counts for circles, because a circle of type names is the same tangle for the reader (the Teams handlers
once named the bot that registers them). The one exception is a contract: `bot/platforms.py` declares what
a platform is as a `Protocol`, and names the panel, the settings and the outbox types its methods take.

No module is longer than a newcomer can read in one go (`MAX_LINES`), except those on `OVER_THE_LIMIT`, the
ones being split now; that list only shrinks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "flows", "storage")
# Modules that declare a contract (a `typing.Protocol`) whose signatures name the types it is used with: their
# `if TYPE_CHECKING:` imports are not counted for circles.
CONTRACTS = ("bot.platforms",)


@dataclass(frozen=True)
class Import:
    importer: str  # the importing module, dotted
    target: str  # the imported module (or the name a `from` import took it from), dotted
    line: int
    typing_only: bool  # under `if TYPE_CHECKING:`


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = project_modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, typing_only: bool = False):
    """Every import statement under `node`, with whether it sits under `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, typing_only
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), typing_only)
        else:
            yield from _walk(child, typing_only)


def imports_of(name: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found = []
    for node, typing_only in _walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:  # relative: from the importer's own package, up `level - 1` more
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            # `from a import b` takes the submodule a.b when there is one, else a name from a.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        found += [Import(name, target, node.lineno, typing_only) for target in targets]
    return found


ALL_IMPORTS = [imp for name, path in MODULES.items() for imp in imports_of(name, path)]


def project_target(target: str) -> str | None:
    """The project module an import loads: the longest dotted prefix that is one (None for a library)."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return None


def within(target: str, prefix: str) -> bool:
    return target == prefix or target.startswith(prefix + ".")


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in edges.get(v, ()):
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def import_graph(imports: list[Import]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for imp in imports:
        if imp.typing_only and imp.importer in CONTRACTS:
            continue
        target = project_target(imp.target)
        if target is not None:
            edges.setdefault(imp.importer, set()).add(target)
    return edges


def test_the_modules_are_found():
    # A guard for the guard: the checks below see the real tree, not an empty one.
    assert {"flows.preset", "storage.uow", "bot.service", "bot.teams.handlers", "bot.reports.export"} <= set(MODULES)
    assert any(imp.importer == "bot.teams.app" and imp.target == "bot.teams.handlers" for imp in ALL_IMPORTS)
    assert set(CONTRACTS) <= set(MODULES)


def test_no_import_circles():
    found = circles(import_graph(ALL_IMPORTS))
    assert found == [], "modules that import each other in a circle: " + "; ".join(" <-> ".join(g) for g in found)


# (importer layer, forbidden imports, why)
RULES = [
    ("flows", ("bot", "storage", "sqlalchemy", "aiohttp"), "flows/ is the pure domain"),
    ("storage", ("bot",), "storage/ sits under the bot"),
    (
        "bot.service",
        ("bot.reports", "bot.slack", "bot.telegram", "bot.teams", "bot.console"),
        "the service is under the reports and the platform adapters",
    ),
]


@pytest.mark.parametrize(("layer", "forbidden", "why"), RULES, ids=[rule[0] for rule in RULES])
def test_layers_import_only_downwards(layer: str, forbidden: tuple[str, ...], why: str):
    wrong = [
        f"{imp.importer} imports {imp.target} (line {imp.line})"
        for imp in ALL_IMPORTS
        if within(imp.importer, layer) and not imp.typing_only and any(within(imp.target, f) for f in forbidden)
    ]
    assert wrong == [], f"{why}: " + "; ".join(wrong)


def test_the_checks_catch_a_circle_and_an_upward_import():
    # The helpers themselves, on a made-up graph: a circle through three modules and a lone self-import.
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"a"}}) == [["a"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bot.app\ndef f():\n    import aiohttp\n"
    tree = ast.parse(source)
    found = [(node.names[0].name, typing_only) for node, typing_only in _walk(tree) if isinstance(node, ast.Import)]
    assert found == [("bot.app", True), ("aiohttp", False)]


MAX_LINES = 400
# Modules still over MAX_LINES while they are being split: none now. A module could only ever leave the list
# (the test below fails while a module under the limit is still listed), and none may be added.
OVER_THE_LIMIT: set[str] = set()


def line_counts() -> dict[str, int]:
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in MODULES.values()
    }


def test_no_module_is_over_the_line_limit():
    counts = line_counts()
    too_long = sorted(f"{p} ({n} lines)" for p, n in counts.items() if n > MAX_LINES and p not in OVER_THE_LIMIT)
    assert too_long == [], f"modules over {MAX_LINES} lines (split them by concern): " + "; ".join(too_long)
    done = sorted(p for p in OVER_THE_LIMIT if counts.get(p, 0) <= MAX_LINES)
    assert done == [], "no longer over the limit (or gone), so take them off OVER_THE_LIMIT: " + "; ".join(done)
