"""`meeshy-ops report`: the approver's sign-off page, and the Allure HTML report of a suite run.

The sign-off is built from the staging run, the switch report and the production run: GO or NO-GO,
regressions, known defects of the deployed version with their evidence, counts, downtime, the
real-time latency plotted, load figures (ops/signoff.py, written by ops/report.py).
"""

from __future__ import annotations

from pathlib import Path

import click

from ops.errors import OpsError
from ops.report import KNOWN_DEFECTS, build_report, check_output


@click.command("report")
@click.option(
    "--results",
    "results_dir",
    type=click.Path(path_type=Path),
    default=Path("reports/allure-results"),
    show_default=True,
    help="Allure results of a suite run (or the directory beside which allure-results-staging and "
    "allure-results-production are)",
)
@click.option("--staging", type=click.Path(path_type=Path), default=None, help="Allure results of the staging run")
@click.option(
    "--production", type=click.Path(path_type=Path), default=None, help="Allure results of the production run"
)
@click.option(
    "--switch-report",
    type=click.Path(path_type=Path),
    default=None,
    help="the switch's report (<root>/state/switch.json on the server; a copy in the rehearsal's report dir)",
)
@click.option(
    "--known-defects",
    type=click.Path(path_type=Path),
    default=KNOWN_DEFECTS,
    show_default=True,
    help="the suites' known defects of the deployed version (their evidence is shown)",
)
@click.option(
    "--output",
    "output_dir",
    type=click.Path(path_type=Path),
    default=Path("reports/allure-report"),
    show_default=True,
    help="where the HTML report goes (sign-off.md/.html and sign-off-latency.svg beside it)",
)
@click.option("--no-html", is_flag=True, help="only the sign-off, without running Allure")
def report(
    results_dir: Path,
    staging: Path | None,
    production: Path | None,
    switch_report: Path | None,
    known_defects: Path,
    output_dir: Path,
    no_html: bool,
) -> None:
    """The approver's sign-off page (GO or NO-GO) and the Allure HTML report (history kept between runs)."""
    check_output(output_dir)
    try:
        page, md_path, html_path = build_report(
            results_dir, output_dir, not no_html, staging, production, switch_report, known_defects
        )
    except OSError as exc:
        raise OpsError(f"cannot write the report into {output_dir}: {exc.strerror or exc}") from exc
    for reason in page.reasons():
        click.echo(f"  {reason}")
    click.echo(
        f"{page.verdict}: sign-off {md_path} and {html_path}"
        + ("" if no_html else f"; HTML report {output_dir}/index.html")
    )


commands = [report]
