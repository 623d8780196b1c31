"""mongosh and mongo-ping stand-ins: the ping that healthchecks evaluate, nothing more.

    mongosh [URI] [--quiet] [--eval 'db.runCommand("ping").ok']     (or the expression on stdin)
    mongo-ping [URI]                                                 (exit 0 when the server answers ping)

mongosh understands only `db.runCommand(…ping…)` and `db.adminCommand(…ping…)`, with or without `.ok`;
any other script fails with exit 1, so a healthcheck or init script that needs more is noticed.
"""

from __future__ import annotations

import re
import sys

import pymongo
from pymongo.errors import PyMongoError

DEFAULT_URI = "mongodb://127.0.0.1:27017/?directConnection=true"
PING = re.compile(r"^db\.(runCommand|adminCommand)\(\s*(['\"]ping['\"]|\{\s*['\"]?ping['\"]?\s*:\s*1\s*\})\s*\)"
                  r"(\.ok)?\s*;?$")


def _ping(uri: str, timeout_ms: int) -> None:
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms) as client:
        client.admin.command("ping")


def ping_main(argv: list[str]) -> int:
    uri = argv[0] if argv else DEFAULT_URI
    try:
        _ping(uri, 2000)
    except PyMongoError as exc:
        print(f"mongo-ping: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    uri, host, port, quiet, scripts = DEFAULT_URI, None, None, False, []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--eval" and args:
            scripts.append(args.pop(0))
        elif arg.startswith("--eval="):
            scripts.append(arg.split("=", 1)[1])
        elif arg == "--quiet":
            quiet = True
        elif arg in ("--host", "--port") and args:
            host, port = (args.pop(0), port) if arg == "--host" else (host, args.pop(0))
        elif arg in ("--norc", "--nodb", "--json"):
            continue
        elif not arg.startswith("-"):
            uri = arg if arg.startswith("mongodb") else f"mongodb://{arg if ':' in arg else arg + ':27017'}/"
        else:
            print(f"MongoshUnimplementedError: the mongosh stand-in does not take {arg}", file=sys.stderr)
            return 1
    if host or port:
        uri = f"mongodb://{host or '127.0.0.1'}:{port or 27017}/?directConnection=true"
    if not scripts:
        scripts = [line for line in sys.stdin.read().splitlines() if line.strip()]
    for script in scripts:
        match = PING.match(script.strip())
        if not match:
            print(f"MongoshUnimplementedError: the mongosh stand-in evaluates only ping, not: {script}",
                  file=sys.stderr)
            return 1
        try:
            _ping(uri, 10000)
        except PyMongoError as exc:
            print(f"MongoNetworkError: {exc}", file=sys.stderr)
            return 1
        if not quiet:
            print(f"Current Mongosh Log ID: (stand-in)\nConnecting to: {uri}")
        print("1" if match.group(3) else "{ ok: 1 }")
    return 0
