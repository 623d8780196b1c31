"""Stand-in for p3x-redis-ui: answers HTTP on 0.0.0.0:7843 with a page naming the Redis it would manage."""

import html
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("P3XRS_PORT", "7843"))


class Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        target = html.escape(os.environ.get("REDIS_HOST", "redis") + ":" + os.environ.get("REDIS_PORT", "6379"))
        body = f"<!doctype html><title>P3X Redis UI</title><h1>P3X Redis UI</h1><p>{target}</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1 ignores SIGTERM without a handler
    ThreadingHTTPServer(("0.0.0.0", PORT), Page).serve_forever()


if __name__ == "__main__":
    main()
