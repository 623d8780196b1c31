"""The step commands name the server they act on: no default site file (the replica's would be one)."""

from __future__ import annotations

from click.testing import CliRunner

from ops.cli import cli
from ops.errors import OpsError


def test_a_step_without_a_site_file_is_refused_and_names_the_option():
    result = CliRunner().invoke(cli, ["switch", "--yes"], env={"MEESHY_OPS_SITE": ""})
    assert result.exit_code != 0
    assert "--site" in result.output and "Traceback" not in result.output


def test_the_site_file_may_come_from_the_environment(tmp_path):
    missing = tmp_path / "site.json"
    result = CliRunner().invoke(cli, ["deploy-staging"], env={"MEESHY_OPS_SITE": str(missing)})
    assert isinstance(result.exception, OpsError)  # the CLI's main prints it as one line
    assert f"no site file at {missing}" in str(result.exception)
