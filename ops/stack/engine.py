"""A stack on the server, and health polling of a public address with a deadline."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import requests
from urllib3.exceptions import InsecureRequestWarning

from ops.errors import OpsError

HTTP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Environment:
    """A compose project on the host: ``meeshy`` in /opt/meeshy, ``staging`` in /opt/meeshy/staging."""

    name: str  # production | staging
    directory: str
    project: str
    database_service: str  # the service running MongoDB (database, database-staging)

    @property
    def env_file(self) -> str:
        return f"{self.directory}/.env"

    @property
    def compose_file(self) -> str:
        return f"{self.directory}/docker-compose.yml"

    @property
    def state_dir(self) -> str:
        return f"{self.directory}/state"


def http_ok(url: str, verify: bool | str = True, timeout: float = HTTP_TIMEOUT_S) -> bool:
    """True when ``url`` answers 200. A certificate that does not verify is no answer to wait for: an OpsError."""
    try:
        with warnings.catch_warnings():  # an opt-out is the operator's, stated in every report: no warning per poll
            warnings.simplefilter("ignore", InsecureRequestWarning)
            return requests.get(url, timeout=timeout, verify=verify).status_code == 200
    except requests.exceptions.SSLError as exc:
        reason = str(exc.__context__ or exc).split("(Caused by ")[-1].rstrip(")")[:300]
        raise OpsError(f"{url}: its TLS certificate does not verify ({reason}); in the site file, give `tls` for "
                       "this environment a CA file, or opt out with false (stated in every report)") from None
    except requests.RequestException:
        return False


def wait_healthy(url: str, deadline_s: float = 60.0, what: str = "the gateway", verify: bool | str = True) -> float:
    """Poll ``url`` until it answers exactly 200; return the seconds it took, or raise at the deadline."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if http_ok(url, verify):
            return time.monotonic() - started
        time.sleep(0.2)  # poll interval
    raise OpsError(f"{what} at {url} was not healthy within {deadline_s:.0f}s")
