"""The layers of docs/architecture.md, checked from the source: no import cycle, and nothing
below a door imports a door."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "supportchat"


def imports() -> dict[str, set[str]]:
    """Each supportchat module and the supportchat modules it imports (anywhere in it)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("supportchat", *path.relative_to(PACKAGE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = (path, name if is_package else name.rsplit(".", 1)[0])
    found: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = (
                    package.split(".")[: len(package.split(".")) - node.level + 1]
                    if node.level
                    else []
                )
                target = ".".join([*base, *([node.module] if node.module else [])])
                named = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            else:
                continue
            # A package's own __init__ (what every submodule imports implicitly) is no edge.
            found[name] |= {
                other
                for other in named
                if other in modules and other != name and not name.startswith(other + ".")
            }
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others():
    assert cycles(imports()) == []


def test_stores_and_services_never_import_a_door_or_the_app():
    doors = (
        "supportchat.blueprints",
        "supportchat.sockets",
        "supportchat.app",
        "supportchat.commands",
        "supportchat.cli",
    )
    below = {
        name: targets
        for name, targets in imports().items()
        if name.startswith(("supportchat.stores", "supportchat.services", "supportchat.context"))
    }
    assert {
        name: sorted(target for target in targets if target.startswith(doors))
        for name, targets in below.items()
        if any(target.startswith(doors) for target in targets)
    } == {}


def test_the_rules_take_their_collaborators_from_the_context():
    for name in ("tickets", "messages", "files", "uploads", "inbox"):
        source = (PACKAGE / "services" / f"{name}.py").read_text()
        assert "current_app" not in source, name
