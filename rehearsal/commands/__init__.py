"""The rehearsal's sub-commands of `meeshy-ops` (embedded database, legacy data, sandbox, replica,
rehearse), registered through the `meeshy_ops.commands` entry point so that ops/ never imports them."""

import importlib

MODULES = ("database", "legacy_data", "sandbox", "rehearse")

commands = [command for name in MODULES for command in importlib.import_module(f"{__name__}.{name}").commands]
