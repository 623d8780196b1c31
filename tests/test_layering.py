"""ops/ is the product and meeshy_checks/ the suites it ships: neither imports the sandbox, the
rehearsal or the project's tests (issue 12); the checks may import ops (its configuration)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["ops", "meeshy_checks"])
def test_the_shipped_packages_import_neither_the_sandbox_nor_the_rehearsal(package):
    offenders = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n.split(".")[0] in ("sandbox", "rehearsal", "tests")]
    assert not offenders, offenders
