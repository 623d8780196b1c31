"""ops/ is the product: it imports nothing from the sandbox or the rehearsal (issue 12)."""

import ast
from pathlib import Path

OPS = Path(__file__).resolve().parents[1] / "ops"


def test_ops_imports_neither_the_sandbox_nor_the_rehearsal():
    offenders = []
    for path in OPS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(OPS.parent)}: {n}" for n in names
                          if n.split(".")[0] in ("sandbox", "rehearsal", "tests")]
    assert not offenders, offenders
