"""Prisma's own schema parser, called through Node: ``get_dmmf`` of ``@prisma/prisma-schema-wasm``.

The npm package (pinned in package.json, installed by ``npm ci``) is Prisma's Rust schema engine
compiled to WebAssembly: no engine download, no network. One ``node`` process reads one schema
(``prisma_dmmf.cjs``, JSON in and out) and answers the DMMF datamodel (models, composite types,
enums, fields, defaults, map names, indexes) and the datasource's provider, or Prisma's own error
message with its file and line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ops.errors import OpsError

PACKAGE = "@prisma/prisma-schema-wasm"
SCRIPT = Path(__file__).with_name("prisma_dmmf.cjs")
NODE_MODULES_ENV = "MEESHY_NODE_MODULES"  # a node_modules directory holding the package, if not found
TIMEOUT_S = 120


class SchemaError(OpsError):
    """Prisma refused the schema: the message is Prisma's own, with the file and line."""


@dataclass(frozen=True)
class Dmmf:
    datamodel: dict  # get_dmmf(...).datamodel: enums, models, types, indexes
    providers: tuple[str, ...]  # the datasources' active providers
    seconds: float  # the whole parse, node's start included


def find_package() -> Path:
    """The package's directory: $MEESHY_NODE_MODULES, else a node_modules above this file or the
    working directory (the project's own, where `npm ci` installs it)."""
    candidates = []
    if os.environ.get(NODE_MODULES_ENV):
        candidates.append(Path(os.environ[NODE_MODULES_ENV]))
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        candidates += [directory / "node_modules" for directory in (start, *start.parents)]
    for node_modules in candidates:
        package = node_modules / PACKAGE
        if (package / "package.json").is_file():
            return package
    raise OpsError(f"Prisma's schema parser (npm {PACKAGE}) is not installed: run `npm ci` in the project "
                   f"(or set {NODE_MODULES_ENV} to a node_modules directory that holds it)")


def read_dmmf(path: Path, text: str) -> Dmmf:
    """Parse ``text`` (the content of ``path``) with Prisma. SchemaError with Prisma's message if
    Prisma refuses it; OpsError if Node or the package is missing."""
    node = shutil.which("node")
    if node is None:
        raise OpsError("Node.js reads the Prisma schema (with Prisma's own parser): `node` is not on the PATH")
    request = json.dumps({"package": str(find_package()), "path": str(path), "text": text})
    began = time.perf_counter()
    try:
        done = subprocess.run([node, str(SCRIPT)], input=request, capture_output=True, text=True,
                              timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OpsError(f"Prisma's schema parser did not answer within {TIMEOUT_S} s for {path}") from exc
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-10:])
        raise OpsError(f"Prisma's schema parser failed on {path} (node exit {done.returncode}): {tail}")
    answer = json.loads(done.stdout)
    if "error" in answer:
        error = answer["error"]
        code = f" ({error['code']})" if error.get("code") else ""
        raise SchemaError(f"Prisma refuses the schema {path}{code}:\n{error['message'].rstrip()}")
    return Dmmf(answer["datamodel"], tuple(d["provider"] for d in answer["datasources"]), seconds)
