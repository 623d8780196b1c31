"""Health over TLS as the site file chooses it, against a real TLS server on loopback with a self-signed
certificate (as staging's Traefik serves on meeshy.me's 8443)."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading

import pytest

from meeshy_checks.checklib.http import Api
from ops.errors import OpsError
from ops.stack import http_ok, wait_healthy


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"status":"healthy"}')

    def log_message(self, *_args):
        pass


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    """(URL, certificate file) of a TLS server whose certificate is its own CA, for 127.0.0.1."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out",
                    str(cert)], check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/health", str(cert)
    server.shutdown()


def test_a_certificate_that_does_not_verify_is_said_at_once_not_waited_for(self_signed):
    url, _ = self_signed
    with pytest.raises(OpsError, match="TLS certificate does not verify .*give `tls` for this environment a CA file"):
        wait_healthy(url, 60.0, "the staging gateway", True)


def test_the_operators_ca_file_or_opt_out_is_accepted(self_signed):
    url, cert = self_signed
    assert http_ok(url, cert) and http_ok(url, False)


def test_the_suites_opt_out_holds_when_a_ca_bundle_is_set_in_the_environment(self_signed, monkeypatch):
    url, _ = self_signed
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")  # as on many machines
    assert Api(url, 5.0, verify_tls=False).request("GET", "", expect=200).json() == {"status": "healthy"}
