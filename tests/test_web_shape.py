"""The web package's shape: small functions, above the library, imported by nothing below it but the front ends."""

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


# The other front ends beside the CLI: the JSON API and the MCP server reuse the app's request guard,
# index follower and source route (none of which imports gradio), and citing.py links to that route.
FRONT_ENDS = {"koritsu_search.cli", "koritsu_search.cli_serve", "koritsu_search.mcp_server", "koritsu_search.citing"}


def test_the_web_layer_sits_above_the_library_and_only_the_front_ends_import_it() -> None:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    web = {n for n in known if n == "koritsu_search.web" or n.startswith("koritsu_search.web.")}
    assert "koritsu_search.web.layout" in web and "koritsu_search.web.handlers" in web
    front = FRONT_ENDS | {n for n in known if n.startswith("koritsu_search.http_api")}
    for name in sorted(known - web - front):
        assert not imports_of(files[name], name, known) & web, f"{name} imports the web layer"
    uses_library = {n for n in web if "koritsu_search.library" in imports_of(files[n], n, known)}
    assert "koritsu_search.web.handlers" in uses_library  # the app reads the index through the library


def test_scripts_and_styles_are_package_files_not_python_strings() -> None:
    assets = {p.name for p in (WEB / "assets").iterdir()}
    assert {"page.js", "page.css", "cards.css", "push_url.js"} <= assets
    for path in WEB.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "addEventListener" not in text and "{ color:" not in text, path.name
