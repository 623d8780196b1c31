"""What mongodump and mongorestore share, as the MongoDB Database Tools (mongo-tools 100.x) do it:
command-line parsing (go-flags rules), the log (tab-separated timestamped lines on stderr, all hidden by
--quiet), the connection (--uri or --host/--port; a database in the URI acts as --db) and namespace
patterns (--nsInclude/--nsExclude/--nsFrom/--nsTo: `*` wildcards, `$var$` variables, `\\` escapes).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime

import pymongo
from pymongo import uri_parser
from pymongo.errors import ConfigurationError, InvalidURI, PyMongoError

FLAG, VALUE, OPTIONAL, MULTI = "flag", "value", "optional", "multi"

# Options every tool has (common/options/options.go); hidden ones included where the replica uses them.
COMMON_OPTIONS = {
    "help": FLAG, "version": FLAG, "quiet": FLAG, "verbose": OPTIONAL, "uri": VALUE, "host": VALUE,
    "port": VALUE, "db": VALUE, "collection": VALUE, "username": VALUE, "password": VALUE,
    "authenticationDatabase": VALUE, "authenticationMechanism": VALUE, "readPreference": VALUE,
    "serverSelectionTimeout": VALUE, "dialTimeout": VALUE, "numThreads": VALUE,
}
COMMON_SHORTS = {"h": "host", "d": "db", "c": "collection", "u": "username", "p": "password", "v": "verbose"}
VERSION = "100.13.0-ferretdb-standin"


class UsageError(Exception):
    """A command-line error: reported as `error parsing command line options: …`, exit 1."""


class Failure(Exception):
    """A run-time failure: reported as `Failed: …`, exit 1."""


@dataclass
class Parsed:
    options: dict[str, object] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)

    def get(self, name: str, default: object = None) -> object:
        return self.options.get(name, default)


def parse_args(argv: list[str], spec: dict[str, str], shorts: dict[str, str]) -> Parsed:
    """go-flags' rules: `--name=value` or `--name value`; an optional value only as `--name=value`."""
    parsed = Parsed()
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--":
            parsed.positional.extend(args)
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            kind = spec.get(name)
            if kind is None:
                raise UsageError(f"unknown option \"{name}\"")
            _store(parsed, name, kind, value if eq else None, args, f"--{name}")
        elif arg.startswith("-") and len(arg) > 1:
            letter, rest = arg[1], arg[2:]
            name = shorts.get(letter)
            if name is None:
                raise UsageError(f"unknown shorthand flag: '{letter}' in -{letter}")
            if name == "verbose":  # -v, -vvv
                parsed.options["verbose"] = "v" * (1 + rest.count("v"))
                continue
            _store(parsed, name, spec[name], rest or None, args, f"-{letter}")
        else:
            parsed.positional.append(arg)
    return parsed


def _store(parsed: Parsed, name: str, kind: str, value: str | None, rest: list[str], shown: str) -> None:
    if kind == FLAG:
        if value is not None:
            raise UsageError(f"bool flag `{shown}' cannot have an argument")
        parsed.options[name] = True
        return
    if kind == OPTIONAL:
        parsed.options[name] = "-" if value is None else value
        return
    if value is None:
        if not rest:
            raise UsageError(f"expected argument for flag `{shown}'")
        value = rest.pop(0)
    if kind == MULTI:
        parsed.options.setdefault(name, []).append(value)  # type: ignore[union-attr]
    else:
        parsed.options[name] = value


class Log:
    """mongo-tools' log: `<time>\\t<message>` on stderr; --quiet hides every line, failures included."""

    def __init__(self) -> None:
        self.quiet = False

    def __call__(self, message: str) -> None:
        if not self.quiet:
            now = datetime.now().astimezone()
            stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}" + now.strftime("%z")
            sys.stderr.write(f"{stamp}\t{message}\n")
            sys.stderr.flush()


def run_tool(tool: str, argv: list[str], spec: dict[str, str], shorts: dict[str, str], body) -> int:
    """Parse, then run ``body(parsed, log)``; exit codes and messages as the real tools."""
    log = Log()
    try:
        parsed = parse_args(argv, spec, shorts)
    except UsageError as exc:
        log(f"error parsing command line options: {exc}")
        log(f"try '{tool} --help' for more information")
        return 1
    if parsed.get("help"):
        print(f"Usage:\n  {tool} <options> <connection-string>\n\n(FerretDB stand-in: see the module docstrings)")
        return 0
    if parsed.get("version"):
        print(f"{tool} version: {VERSION}")
        return 0
    log.quiet = bool(parsed.get("quiet"))
    try:
        return body(parsed, log)
    except UsageError as exc:
        log(f"error parsing command line options: {exc}")
        log(f"try '{tool} --help' for more information")
        return 1
    except Failure as exc:
        log(f"Failed: {exc}")
        return 1
    except PyMongoError as exc:
        log(f"Failed: {exc}")
        return 1
    except BrokenPipeError:
        return 1


@dataclass
class Connection:
    uri: str
    db: str  # from --db or the URI's path; "" for all databases
    collection: str
    selection_timeout_ms: int


def connection(parsed: Parsed) -> Connection:
    """The URI to connect to and the database/collection named by --db/--collection or by the URI."""
    uris = [p for p in parsed.positional if p.startswith(("mongodb://", "mongodb+srv://"))]
    uri = parsed.get("uri")
    if uris:
        if uri and uri != uris[0]:
            raise UsageError("illegal argument combination: cannot specify a URI both positionally and with --uri")
        uri = uris[0]
        parsed.positional.remove(uris[0])
    db = str(parsed.get("db") or "")
    if uri:
        if parsed.get("host") or parsed.get("port"):
            raise UsageError("illegal argument combination: cannot specify --host or --port together with --uri")
        try:
            uri_db = uri_parser.parse_uri(str(uri), validate=False, warn=True).get("database") or ""
        except (InvalidURI, ConfigurationError, ValueError) as exc:
            raise UsageError(f"error parsing uri: {exc}") from None
        if db and uri_db and db != uri_db:
            raise UsageError(f"Invalid Options: Cannot specify different database in connection URI and command-line "
                             f"option (\"{uri_db}\" was specified in the URI and \"{db}\" was specified in the --db "
                             f"option)")
        db = db or uri_db
    else:
        host = str(parsed.get("host") or "localhost")
        if "/" in host:  # setname/host1,host2
            host = host.split("/", 1)[1]
        port = parsed.get("port")
        uri = f"mongodb://{host}:{port}/" if port and ":" not in host else f"mongodb://{host}/"
    timeout_s = int(str(parsed.get("serverSelectionTimeout") or 30))
    return Connection(str(uri), db, str(parsed.get("collection") or ""), timeout_s * 1000)


def client(conn: Connection) -> pymongo.MongoClient:
    """A connected client, or Failure with the driver's reason, as the tools' `can't create session`."""
    kwargs: dict[str, object] = {"serverSelectionTimeoutMS": conn.selection_timeout_ms, "connectTimeoutMS": 3000}
    c: pymongo.MongoClient = pymongo.MongoClient(conn.uri, **kwargs)
    try:
        c.admin.command("ping")
    except PyMongoError as exc:
        c.close()
        raise Failure(f"can't create session: failed to connect to {redact(conn.uri)}: {exc}") from None
    return c


def redact(uri: str) -> str:
    return re.sub(r"//[^@/]*@", "//[**REDACTED**]@", uri)


# -- namespace patterns (mongorestore/ns/ns.go) ------------------------------------------------------

_ESCAPED = set("*[](){}\\?$^+!.|")


def _wildcards_to_vars(pattern: str) -> str:
    out, n, i = [], 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":  # an escaped character stands for itself; a lone backslash is dropped
            out.append(pattern[i + 1 : i + 2])
            i += 2
            continue
        if ch == "*":
            n += 1
            out.append(f"${n}$")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _compile(source: str, target: str) -> tuple[re.Pattern[str], str]:
    if "$" not in source:
        if source.count("*") - source.count("\\*") != target.count("*") - target.count("\\*"):
            raise UsageError(f"invalid renames: Different number of asterisks in from: `{source}` and to: `{target}`")
        source, target = _wildcards_to_vars(source), _wildcards_to_vars(target)
    variables: dict[str, int] = {}
    regex = ""
    while source:
        match = re.match(r"\$([^$]*)\$(.*)", source, re.S)
        if match:
            if match.group(1) in variables:
                raise UsageError(f"Variable name `{match.group(1)}` used more than once")
            variables[match.group(1)] = len(variables) + 1
            regex += "(.*?)"
            source = match.group(2)
            continue
        if source[0] == "$":
            raise UsageError("Extraneous '$'")
        regex += ("\\" + source[0]) if source[0] in _ESCAPED else source[0]
        source = source[1:]
    replacement = ""
    while target:
        match = re.match(r"\$([^$]*)\$(.*)", target, re.S)
        if match:
            if match.group(1) not in variables:
                raise UsageError(f"Unknown variable `{match.group(1)}`")
            replacement += f"\\g<{variables[match.group(1)]}>"
            target = match.group(2)
            continue
        if target[0] == "$":
            raise UsageError("Extraneous '$'")
        replacement += target[0].replace("\\", "\\\\")
        target = target[1:]
    return re.compile(f"^{regex}$", re.S), replacement


class Matcher:
    def __init__(self, patterns: list[str]) -> None:
        for pattern in patterns:
            if "$" in pattern:
                raise UsageError("'$' is not allowed in include/exclude patterns")
        self.regexes = [_compile(p, p)[0] for p in patterns]

    def has(self, namespace: str) -> bool:
        return any(r.match(namespace) for r in self.regexes)


class Renamer:
    def __init__(self, sources: list[str], targets: list[str]) -> None:
        if len(sources) != len(targets):
            raise UsageError("--nsFrom and --nsTo arguments must be specified an equal number of times")
        self.rules = [_compile(s, t) for s, t in reversed(list(zip(sources, targets, strict=True)))]

    def get(self, namespace: str) -> str:
        for regex, replacement in self.rules:
            if regex.match(namespace):
                return regex.sub(replacement, namespace, count=1)
        return namespace


def escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace("*", "\\*")
