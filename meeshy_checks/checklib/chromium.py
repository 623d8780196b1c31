"""How this project launches Chromium for Playwright, in one place (sandbox tests and suites alike).

`playwright install` cannot download a browser here, so when Playwright's own Chromium build is
absent we point it at Debian's `/usr/bin/chromium` (`apt-get install -y chromium`, done by
`make setup`). The flags keep Chromium from calling any address by itself.

>>> browser = playwright.chromium.launch(**launch_args())
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import playwright

from ops.errors import OpsError

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")

CHROMIUM_ARGS = (
    "--no-sandbox",  # we run as root in containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _browsers_dir() -> Path:
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured and configured != "0":
        return Path(configured)
    return Path.home() / ".cache" / "ms-playwright"


def playwright_chromium_installed() -> bool:
    """True when the Chromium build this Playwright version expects has been installed."""
    manifest = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    browsers = json.loads(manifest.read_text())["browsers"]
    revisions = {b["name"]: b["revision"] for b in browsers}
    base = _browsers_dir()
    return any(
        (base / f"{name.replace('-', '_')}-{revisions[name]}").is_dir()
        for name in ("chromium-headless-shell", "chromium")
        if name in revisions
    )


def launch_args(headless: bool = True) -> dict:
    """Keyword arguments for `BrowserType.launch`: Debian's Chromium when Playwright's is absent."""
    args: dict = {"headless": headless, "args": list(CHROMIUM_ARGS)}
    if playwright_chromium_installed():
        return args
    if not DEBIAN_CHROMIUM.exists():
        raise OpsError(
            "No Chromium for Playwright: install Debian's (`apt-get install -y chromium`, "
            "part of `make setup`) or run `playwright install chromium` where downloads work."
        )
    args["executable_path"] = str(DEBIAN_CHROMIUM)
    return args
