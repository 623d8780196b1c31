"""Stacks on the server: docker compose, the operator's .env, health polling."""

from ops.stack.compose import ComposeEngine
from ops.stack.engine import Environment, http_ok, wait_healthy
from ops.stack.envfile import merge_env, parse_env

__all__ = ["ComposeEngine", "Environment", "http_ok", "merge_env", "parse_env", "wait_healthy"]
