"""python -m sandbox.translator --port P [--delay-ms N] [--load-ms N] [--faults LIST] [--data prisma|legacy]
[--defects-off LIST]"""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from sandbox.defects import Defects
from sandbox.faults import Faults
from sandbox.translator.app import build_app


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m sandbox.translator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--delay-ms", type=int, default=20, help="time each translation takes")
    p.add_argument("--load-ms", type=int, default=300, help="time until the models count as loaded")
    p.add_argument("--faults", default="")
    p.add_argument("--data", choices=("prisma", "legacy"), default="prisma", help="the app version stood for")
    p.add_argument("--defects-off", default="", help="defects of the real version to turn off (or 'all')")
    args = p.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    faults = Faults.from_cli_and_env(args.faults)
    try:
        defects = Defects.from_cli_and_env(args.data, args.defects_off)
    except ValueError as exc:
        p.error(str(exc))
    if "translator_down" in faults:
        sys.exit("fault translator_down: the translator does not start")
    logging.getLogger("translator").info(
        "translator on %s:%s, delay %d ms, faults: %s",
        args.host,
        args.port,
        args.delay_ms,
        faults.to_text() or "none",
    )
    web.run_app(
        build_app(args.delay_ms, args.load_ms, faults, defects),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
        shutdown_timeout=0.25,
    )


if __name__ == "__main__":
    main()
