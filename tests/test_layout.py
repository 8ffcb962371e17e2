"""The package's shape: no import cycles between modules, no private names across modules.

import-linter (run by .ci/run, contracts in pyproject.toml) checks the layering between
packages; these two rules are about modules, which it does not check.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "roundtrip"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")
    }


def _imports(name: str, tree: ast.Module, known: set[str]) -> list[tuple[str, str, int]]:
    """(imported module, imported name or '', line) for every import of a roundtrip module,
    at the top or inside a function (a lazy import is an import all the same)."""
    is_package = (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()
    package = name if is_package else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, "", node.lineno) for a in node.names if a.name.startswith("roundtrip")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("roundtrip"):
                continue
            for a in node.names:
                if f"{target}.{a.name}" in known:  # from package import module
                    out.append((f"{target}.{a.name}", "", node.lineno))
                else:
                    out.append((target, a.name, node.lineno))
    return out


def test_no_module_imports_another_modules_private_names():
    modules = _modules()
    known = set(modules)
    found = [
        f"{name}:{line} imports {target}.{what}"
        for name, tree in modules.items()
        for target, what, line in _imports(name, tree, known)
        if what.startswith("_")
        and not what.startswith("__")
        and target != name
        and what != "_"  # gettext's `_`, public by convention (roundtrip.language)
    ]
    assert found == []


def test_no_import_cycles_between_modules():
    modules = _modules()
    known = set(modules)
    graph = {
        name: {t for t, _, _ in _imports(name, tree, known) if t in known and t != name}
        for name, tree in modules.items()
    }
    # A package's __init__ is not an edge of a cycle through its own modules' imports.
    graph = {n: {t for t in deps if not n.startswith(t + ".")} for n, deps in graph.items()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for t in sorted(graph[n]):
            if state.get(t) == 1:
                cycles.append(" -> ".join([*stack[stack.index(t) :], t]))
            elif t not in state:
                visit(t)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    assert cycles == []


def test_the_checks_see_a_cycle_and_a_private_name(tmp_path):
    """The two rules above can fail: they find what they look for in a made-up tree."""
    a = ast.parse("from roundtrip.b import _hidden\n")
    b = ast.parse("def f():\n    from roundtrip import a\n")
    known = {"roundtrip.a", "roundtrip.b", "roundtrip"}
    assert _imports("roundtrip.a", a, known) == [("roundtrip.b", "_hidden", 1)]
    assert _imports("roundtrip.b", b, known) == [("roundtrip.a", "", 2)]
