"""The package's layout holds: no import circle among the project's modules (function-local
imports counted), and nothing below ``monitor.ops`` starts a Scrapy crawler. The layers
themselves are import-linter's contracts (``.importlinter``, ``make lint``)."""

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
BELOW_OPS = ("monitor/crawling", "monitor/digest", "monitor/storage", "monitor/processing.py",
             "monitor/judgement", "monitor/extraction", "monitor/article", "monitor/page",
             "monitor/config", "spiders", "pipelines")


def circles(graph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    modules = sorted(graph.modules)
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = set()
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.add(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(component)

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_circle():
    graph = grimp.build_graph("monitor", "spiders", "pipelines",
                              exclude_type_checking_imports=True)
    assert circles(graph) == []


def test_the_circle_finder_finds_one(tmp_path, monkeypatch):
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from loop import b\n")
    (package / "b.py").write_text("from loop import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert circles(grimp.build_graph("loop")) == [{"loop.a", "loop.b"}]


def test_nothing_below_ops_starts_a_crawler():
    offenders = []
    for base in BELOW_OPS:
        for path in sorted((ROOT / base).rglob("*.py")) if (ROOT / base).is_dir() \
                else [ROOT / base]:
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "") == "scrapy.crawler":
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
