"""The `meeshy-ops` command: one sub-command per step, each defined in ops/commands/<area>.py."""

from __future__ import annotations

import importlib
import sys
from importlib.metadata import entry_points

import click

from ops.errors import OpsError

# Each module exposes `commands`, a list of click commands or groups.
COMMAND_MODULES = [
    "ops.commands.migration",
    "ops.commands.steps",
    "ops.commands.report",
]
# Other packages add commands through this entry point group (the rehearsal's, when installed).
PLUGIN_GROUP = "meeshy_ops.commands"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """Move Meeshy from its legacy MongoDB data to the Prisma shape, and prove that nothing broke
    and nothing was lost. Each sub-command is one idempotent step; `--help` on each explains it."""


for _module in [importlib.import_module(name) for name in COMMAND_MODULES] + [
    entry.load() for entry in entry_points(group=PLUGIN_GROUP)
]:
    for _command in _module.commands:
        cli.add_command(_command)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:  # click's form of Ctrl-C; a confirmation's own Ctrl-C changed nothing
        click.echo("interrupted: the step stopped where it was (what it had done is kept); running it again "
                   "finishes it", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OpsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    else:
        sys.exit(0)
