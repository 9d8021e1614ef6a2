"""Settings come from the one loader with their defaults (monitor/settings.py): no module
restates a setting's default (``settings.get("MONITOR_DATA_DIR") or "data"``)."""

import ast
from pathlib import Path

import pytest

from monitor import settings as defaults

ROOT = Path(__file__).resolve().parent.parent
CODE = sorted(p for folder in ("monitor", "spiders", "pipelines")
              for p in (ROOT / folder).rglob("*.py") if p.name != "settings.py")


def _restated(tree: ast.AST) -> list[str]:
    """``<settings>.get*("NAME") or <constant>`` where the constant is the setting's default
    or stands in for a non-empty one (``or None`` turns "" into None: not a default), and
    ``.get*("NAME", <constant>)``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            call, *rest = node.values
            given = [v.value for v in rest if isinstance(v, ast.Constant) and v.value is not None]
        elif isinstance(node, ast.Call) and len(node.args) > 1:
            call, given = node, ["(a default argument)"]
        else:
            continue
        if not (given and isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr.startswith("get") and call.args
                and isinstance(call.args[0], ast.Constant)):
            continue
        name = str(call.args[0].value)
        if not name.startswith("MONITOR_") or not hasattr(defaults, name):
            continue
        default = getattr(defaults, name)
        if isinstance(node, ast.Call) or default or default in given:
            found.append(f"line {call.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_restates_a_settings_default(path):
    assert _restated(ast.parse(path.read_text("utf-8"))) == []


def test_the_check_finds_a_restated_default():
    assert _restated(ast.parse('x = settings.get("MONITOR_DATA_DIR") or "data"'))
    assert _restated(ast.parse('x = settings.getint("MONITOR_SMTP_PORT", 587)'))
    assert _restated(ast.parse('x = settings.get("MONITOR_SMTP_HOST") or ""'))
    assert not _restated(ast.parse('x = settings.get("MONITOR_WORKER_ID") or node_id()'))
    assert not _restated(ast.parse('x = settings.get("MONITOR_FEED_URL") or None'))
    assert not _restated(ast.parse('x = settings.get("MONITOR_REVIEWER") or "web"'))
