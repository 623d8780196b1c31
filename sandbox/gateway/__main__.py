"""python -m sandbox.gateway --port P --mongodb-url-env VAR|--mongodb-url URL --data prisma|legacy --translator-url URL
--uploads-dir DIR [--faults LIST] [--defects-off LIST] [--jwt-secret-env VAR] [--login-rate 5/900]
[--global-rate 300/60|off]"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from aiohttp import web

from ops.host.ports import free_port
from sandbox.defects import Defects
from sandbox.faults import Faults
from sandbox.gateway.app import build_app
from sandbox.gateway.config import GatewayConfig, parse_rate
from sandbox.gateway.limits import parse_rate as parse_global_rate


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m sandbox.gateway", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--mongodb-url", help="URL with the database name (visible in ps: prefer --mongodb-url-env)")
    where.add_argument("--mongodb-url-env", help="name of the variable holding that URL (it may hold a password)")
    p.add_argument("--data", choices=("prisma", "legacy"), default="prisma")
    p.add_argument("--translator-url", required=True)
    p.add_argument("--uploads-dir", type=Path, required=True)
    p.add_argument("--faults", default="")
    p.add_argument("--defects-off", default="", help="defects of the real version to turn off (or 'all')")
    p.add_argument(
        "--global-rate",
        default=os.environ.get("MEESHY_SANDBOX_GLOBAL_RATE", "300/60"),
        help="global limit per client address, LIMIT/WINDOW_SECONDS or off (real gateway: 300/60)",
    )
    p.add_argument(
        "--jwt-secret-env", default="JWT_SECRET", help="name of the variable holding the JWT secret"
    )
    p.add_argument(
        "--login-rate",
        default=os.environ.get("MEESHY_SANDBOX_LOGIN_RATE", "5/900"),
        help="login limit per IP+username prefix, LIMIT/WINDOW_SECONDS (real gateway: 5/900)",
    )
    p.add_argument(
        "--translate-deadline", type=float, default=5.0, help="seconds to wait for one translation"
    )
    args = p.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    secret = os.environ.get(args.jwt_secret_env)
    if not secret:
        sys.exit(f"the JWT secret variable {args.jwt_secret_env} is not set")
    faults = Faults.from_cli_and_env(args.faults)
    try:
        defects = Defects.from_cli_and_env(args.data, args.defects_off)
    except ValueError as exc:
        p.error(str(exc))
    url = args.mongodb_url or os.environ.get(args.mongodb_url_env)
    if not url:
        sys.exit(f"the database URL variable {args.mongodb_url_env} is not set")
    if faults.db_unreachable:
        # A port nothing listens on, same database name: the gateway cannot reach its database.
        url = f"mongodb://127.0.0.1:{free_port()}/{url.rsplit('/', 1)[-1].split('?')[0] or 'meeshy'}"
    limit, window = parse_rate(args.login_rate)
    config = GatewayConfig(
        mongodb_url=url,
        jwt_secret=secret,
        translator_url=args.translator_url.rstrip("/"),
        uploads_dir=args.uploads_dir.resolve(),
        data=args.data,
        faults=faults,
        defects=defects,
        global_rate=parse_global_rate(args.global_rate),
        login_limit=limit,
        login_window_s=window,
        translate_deadline_s=args.translate_deadline,
        db_timeout_ms=500 if faults.db_unreachable else 2000,
    )
    config.uploads_dir.mkdir(parents=True, exist_ok=True)
    logging.getLogger("gateway").info(
        "gateway (%s data) on %s:%s, faults: %s, defects: %s",
        args.data,
        args.host,
        args.port,
        faults.to_text() or "none",
        ",".join(defects.names()) or "none",
    )
    web.run_app(
        build_app(config), host=args.host, port=args.port, print=None, access_log=None, shutdown_timeout=0.25
    )


if __name__ == "__main__":
    main()
