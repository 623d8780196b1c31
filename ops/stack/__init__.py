"""Stacks on the server: docker compose and health polling (the operator's .env is read by ops.config.envfile)."""

from ops.stack.compose import ComposeEngine
from ops.stack.engine import Environment, http_ok, wait_healthy

__all__ = ["ComposeEngine", "Environment", "http_ok", "wait_healthy"]
