"""The package's shape: no import cycles between modules (function-level and type-only imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "koritsu_search"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """Every koritsu_search module this file imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and not name.startswith(t + "."):  # a module may import its own package
                found.add(t)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                cycle = visit(m)
                if cycle:
                    return cycle
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            cycle = visit(n)
            if cycle:
                return cycle
    return None


def test_no_import_cycles() -> None:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: imports_of(path, name, set(files)) for name, path in files.items()}
    assert "koritsu_search.search" in graph["koritsu_search.answer"]  # the walk sees imports at all
    cycle = find_cycle({n: {m for m in deps if not n.startswith(m + ".")} for n, deps in graph.items()})
    assert cycle is None, " -> ".join(cycle or [])


def test_search_and_answer_never_import_the_library_facade() -> None:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    for name in ("koritsu_search.search", "koritsu_search.answer", "koritsu_search.index.store"):
        assert "koritsu_search.library" not in imports_of(files[name], name, set(files))


# The command line's allowed imports: the library, its own option and output modules, and the
# presentation modules (text, exports, grouping, the web app).
CLI_MAY_IMPORT = {
    "koritsu_search", "koritsu_search.library", "koritsu_search.cli_options", "koritsu_search.cli_output",
    "koritsu_search.render", "koritsu_search.export", "koritsu_search.listing", "koritsu_search.web.server",
    "koritsu_search.cli_serve", "koritsu_search.http_api.serve", "koritsu_search.http_api.settings",
    "koritsu_search.mcp_server",
}
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 400


def test_the_cli_reaches_the_package_only_through_the_library_and_presentation() -> None:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    for name in ("koritsu_search.cli", "koritsu_search.cli_output", "koritsu_search.cli_serve"):
        imported = imports_of(files[name], name, set(files))
        assert "koritsu_search.library" in imported  # the walk sees the CLI's imports at all
        assert imported <= CLI_MAY_IMPORT, sorted(imported - CLI_MAY_IMPORT)


def test_presentation_modules_never_build_or_open_an_index_themselves() -> None:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    for name in ("koritsu_search.cli_output", "koritsu_search.render", "koritsu_search.export"):
        imported = imports_of(files[name], name, set(files))
        assert not {m for m in imported if m.startswith(("koritsu_search.index", "koritsu_search.search"))}, name


def test_no_function_over_80_lines_and_no_module_over_400() -> None:
    long_functions, long_modules = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules.append(f"{path.relative_to(PACKAGE)}: {len(text.splitlines())}")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}: {length}")
    assert not long_modules, long_modules
    assert not long_functions, long_functions


CLI_TEXT = {"cli.py", "cli_options.py", "cli_output.py", "render.py", "export.py"}  # they speak CLI on purpose


def test_no_library_error_names_a_command_line_flag() -> None:
    import re

    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in CLI_TEXT and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) or (isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id.endswith("_HINT") for t in node.targets)):
                for const in ast.walk(node):
                    if isinstance(const, ast.Constant) and isinstance(const.value, str) \
                            and flag.search(const.value.split("pip install")[0]):  # pip's own flags are fine
                        found.append(f"{path.relative_to(PACKAGE)}:{const.lineno}: {const.value[:60]}")
    assert not found, found
