"""`python -m sandbox.web --port P --gateway-url URL --state-dir DIR [--faults LIST]`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from aiohttp import web

from sandbox.defects import Defects
from sandbox.faults import Faults
from sandbox.web.app import WebSettings, create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.web", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--gateway-url", required=True, help="the gateway the browser talks to")
    parser.add_argument("--translator-url", default="", help="echoed by /api/health, as the real app does")
    parser.add_argument("--state-dir", type=Path, required=True, help="web-access.log goes there")
    # The stack runner passes one fault list to every part; the page_* ones concern the web pages.
    parser.add_argument("--faults", default="", help="faults; the page_* ones reach the pages' script")
    parser.add_argument("--data", choices=("prisma", "legacy"), default="prisma", help="the app version stood for")
    parser.add_argument("--defects-off", default="", help="defects of the real web app to turn off (or 'all')")
    args = parser.parse_args(argv)
    try:
        faults = Faults.parse(args.faults)
        defects = Defects.from_cli_and_env(args.data, args.defects_off)
    except ValueError as exc:
        parser.error(str(exc))

    # Process output goes to stderr (the stack runner keeps it as web.log); requests to web-access.log.
    log_format = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    logging.getLogger().handlers[0].setFormatter(log_format)
    args.state_dir.mkdir(parents=True, exist_ok=True)
    access_file = logging.FileHandler(args.state_dir / "web-access.log")
    access_file.setFormatter(log_format)
    access = logging.getLogger("aiohttp.access")
    access.addHandler(access_file)
    access.propagate = False
    settings = WebSettings(
        gateway_url=args.gateway_url.rstrip("/"),
        translator_url=args.translator_url,
        defects=defects,
        data=args.data,
        page_faults=faults.page_faults(),
    )
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None, access_log_format='%a "%r" %s %Tf')


if __name__ == "__main__":
    main()
