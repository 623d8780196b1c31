"""LocalHost and SshHost run the same commands the same way; failures say which kind they are."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from ops.host import CommandFailed, CommandTimedOut, HostUnreachable, LocalHost, SshHost
from ops.host.ports import free_port


def test_runs_a_command_and_quotes_arguments(host):
    assert host.check_output("echo %s", "a b") == "a b"
    assert host.run("echo a b | grep -q %s", "a c", check=False).exit_code == 1


def test_a_failing_command_raises_with_its_exit_code_and_output(host):
    with pytest.raises(CommandFailed) as err:
        host.run("echo visible >&2; exit 7")
    assert err.value.result.exit_code == 7
    assert "exited 7" in str(err.value) and "visible" in str(err.value)


def test_a_command_past_its_timeout_is_killed(host):
    with pytest.raises(CommandTimedOut, match="timed out after 1s"):
        host.run("sleep 30", timeout=1)


def test_secrets_are_masked_in_errors(host):
    host.add_secret("s3cr3t-value")
    with pytest.raises(CommandFailed) as err:
        host.run("echo s3cr3t-value; false")
    assert "s3cr3t-value" not in str(err.value) and "***" in str(err.value)


def test_files_round_trip(host, tmp_path):
    target = tmp_path / "deep" / "file.txt"
    host.write_text(target, "hello\n")
    assert host.read_text(target) == "hello\n"
    assert oct(target.stat().st_mode)[-3:] == "600"
    assert host.exists(target) and not host.exists(tmp_path / "nope")
    copy = tmp_path / "copy.txt"
    host.get(str(target), copy)
    host.put(copy, str(tmp_path / "back" / "file.txt"))
    assert (tmp_path / "back" / "file.txt").read_text() == "hello\n"
    assert host.sha256(target) == host.sha256(tmp_path / "back" / "file.txt")


def test_an_unreachable_host_is_not_a_command_failure(sshd):
    closed = SshHost("127.0.0.1", user=sshd.user, port=free_port(), key_file=sshd.key_file, connect_timeout=2)
    with pytest.raises(HostUnreachable, match="could not reach"):
        closed.run("true")


def test_an_unknown_host_key_is_refused(sshd, tmp_path):
    (tmp_path / "known_hosts").write_text("")
    stranger = SshHost("127.0.0.1", user=sshd.user, port=sshd.port, key_file=sshd.key_file,
                       known_hosts=tmp_path / "known_hosts", connect_timeout=2)
    with pytest.raises(HostUnreachable):
        stranger.run("true")


def test_forward_reaches_an_address_as_the_host_sees_it(host):
    """A TCP server on the host's loopback, reached through the host's tunnel (SSH) or directly (local)."""
    import socketserver
    import threading

    class Echo(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(b"pong:" + self.request.recv(16))

    with socketserver.TCPServer(("127.0.0.1", 0), Echo) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with host.forward("127.0.0.1", server.server_address[1]) as (address, port), \
                    socket.create_connection((address, port), timeout=5) as conn:
                conn.sendall(b"ping")
                assert conn.recv(16) == b"pong:ping"
        finally:
            server.shutdown()


def test_the_hosts_clock_is_read_on_the_host():
    before = datetime.now(UTC)
    assert before - timedelta(seconds=1) <= LocalHost().clock() <= datetime.now(UTC) + timedelta(seconds=1)
