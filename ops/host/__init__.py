"""Where commands run: this machine (the rehearsal) or a server over SSH (Fabric)."""

from ops.host.base import CommandFailed, CommandTimedOut, Host, HostError, HostUnreachable, Result
from ops.host.local import LocalHost
from ops.host.ssh import SshHost

__all__ = ["CommandFailed", "CommandTimedOut", "Host", "HostError", "HostUnreachable", "LocalHost", "Result",
           "SshHost"]
