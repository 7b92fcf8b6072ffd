"""The web package's shape: small functions, above the library, imported by nothing below it but the CLI."""

from __future__ import annotations

import ast

from test_architecture import PACKAGE, imports_of, module_name

WEB = PACKAGE / "web"
MAX_LINES = 60


def test_no_function_in_web_is_over_60_lines() -> None:
    long = []
    for path in sorted(WEB.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_LINES:
                    long.append(f"{path.name}:{node.name} ({n} lines)")
    assert long == []


def test_the_web_layer_sits_above_the_library_and_only_the_cli_imports_it() -> None:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    web = {n for n in known if n == "koritsu_search.web" or n.startswith("koritsu_search.web.")}
    assert "koritsu_search.web.layout" in web and "koritsu_search.web.handlers" in web
    for name in sorted(known - web - {"koritsu_search.cli"}):
        assert not imports_of(files[name], name, known) & web, f"{name} imports the web layer"
    uses_library = {n for n in web if "koritsu_search.library" in imports_of(files[n], n, known)}
    assert "koritsu_search.web.handlers" in uses_library  # the app reads the index through the library


def test_scripts_and_styles_are_package_files_not_python_strings() -> None:
    assets = {p.name for p in (WEB / "assets").iterdir()}
    assert {"page.js", "page.css", "cards.css", "push_url.js"} <= assets
    for path in WEB.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "addEventListener" not in text and "{ color:" not in text, path.name
