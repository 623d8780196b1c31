"""Container engines (docker compose on a host, or the sandbox) and health polling."""

from ops.stack.compose import ComposeEngine
from ops.stack.engine import ContainerEngine, Endpoints, Environment, http_ok, wait_healthy
from ops.stack.sandbox_engine import SandboxEngine, parse_env

__all__ = ["ComposeEngine", "ContainerEngine", "Endpoints", "Environment", "SandboxEngine", "http_ok",
           "parse_env", "wait_healthy"]
