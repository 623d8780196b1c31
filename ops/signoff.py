"""The approver's sign-off page: GO or NO-GO from the staging run, the switch report and the production run.

Read from what the suites leave (allure-pytest's ``*-result.json``, ``environment.properties``, the
attachments of the real-time and load checks) and from the switch's report (``state/switch.json``).
A failed or broken check is a **regression** (the suites report a defect of the deployed version
that they know, from ``meeshy_checks/known_defects.toml``, as an xfail whose reason starts with
``KNOWN DEFECT``: those are listed apart with their evidence, never counted as regressions). The
page is markdown, with the real-time latency plotted in an SVG beside it; never a secret.
"""

from __future__ import annotations

import json
import re
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ops.config import Masker
from ops.errors import OpsError

KNOWN_MARK = re.compile(r"KNOWN DEFECT ([\w.-]+) of (\w+): ([^;]*?) \(evidence: ")
LATENCY = "message:new latency (ms)"
LATENCY_TABLE = "message:new latency table"
COUNTS = "counts: report vs database"
FINAL_STATE = "final state"  # the screenshot each browser check of the runbook's checklist leaves
# Runbook sections, in its order (Phase 3 automatic validation, then the manual checklist).
SECTIONS = (
    "Services",
    "Health",
    "Data",
    "Migration reports",
    "Authentication",
    "Messaging",
    "Translation",
    "Uploads",
    "Communities",
    "Real time",
    "Load",
    "Production switch",
)
DOWNTIME_LIMIT_S = 600.0  # the runbook's switch window (ops.steps.switch.DOWNTIME_LIMIT_S)
# No token, no credential in a URL, no ``password=...``: the page may be mailed around. The values
# are not known here (the target is not): what has the shape of a secret goes.
scrub = Masker().mask


@dataclass
class Check:
    name: str
    section: str
    status: str  # passed | failed | broken | skipped | known-defect
    message: str = ""
    known: list[tuple[str, str, str]] = field(default_factory=list)  # (defect id, version, what was seen)
    story: str = ""  # the runbook checklist's line a browser check stands for (its Allure story)
    screenshots: list[str] = field(default_factory=list)  # its final-state screenshots in the Allure results


@dataclass
class Run:
    label: str  # staging | production
    checks: dict[str, Check]
    environment: dict[str, str]
    latency: dict | None = None
    latencies_ms: list[float] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    counts: dict | None = None

    def outcomes(self) -> Counter:
        return Counter(c.status for c in self.checks.values())


def _label(result: dict, name: str) -> str | None:
    return next((lab["value"] for lab in result.get("labels", []) if lab.get("name") == name), None)


def _attachments(result: dict) -> list[dict]:
    found = list(result.get("attachments", []))
    for step in result.get("steps", []):
        found += _attachments(step)
    return found


def _table_values(markdown: str) -> list[float]:
    """The per-message rows ``| n | ms |`` of the latency table the real-time check attaches."""
    return [float(m.group(1)) for m in re.finditer(r"^\| \d+ \| ([\d.]+) \|$", markdown, re.M)]


def read_run(results_dir: Path, label: str | None = None) -> Run:
    """One suite run from its Allure results (the last retry of a check wins)."""
    paths = list(results_dir.glob("*-result.json"))
    if not paths:
        raise OpsError(f"no Allure results in {results_dir}: run `pytest -m staging` (or production) first")
    results = sorted((json.loads(p.read_text()) for p in paths), key=lambda r: r.get("stop", 0))
    env_file = results_dir / "environment.properties"
    environment = (
        dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        if env_file.is_file()
        else {}
    )
    run = Run(label or environment.get("suite") or results_dir.name, {}, environment)
    fixtures = _fixture_attachments(results_dir)
    for result in results:
        message = scrub(((result.get("statusDetails") or {}).get("message") or "").strip())
        known = [(m.group(1), m.group(2), m.group(3)) for m in KNOWN_MARK.finditer(message)]
        status = "known-defect" if known and result["status"] == "skipped" else result["status"]
        section = _label(result, "feature") or _label(result, "suite") or "Other"
        check = Check(result["name"], section, status, message, known, _label(result, "story") or "")
        run.checks[result["name"]] = check
        for attachment in _attachments(result) + fixtures.get(result.get("uuid"), []):
            source = results_dir / attachment.get("source", "")
            if not source.is_file():
                continue
            name = attachment.get("name", "")
            if name.startswith(FINAL_STATE):
                check.screenshots.append(f"{name}: {attachment['source']}")
            elif name == LATENCY:
                run.latency = json.loads(source.read_text())
            elif name == LATENCY_TABLE:
                run.latencies_ms = _table_values(source.read_text())
            elif name == COUNTS:
                run.counts = json.loads(source.read_text())
            elif name.startswith("load "):
                run.loads.append(scrub(source.read_text().strip()))
    return run


def _fixture_attachments(results_dir: Path) -> dict[str, list[dict]]:
    """What fixtures attached around each test (allure-pytest keeps them in ``*-container.json``, e.g.
    the browser checks' final-state screenshots, taken at teardown), by the test result's uuid."""
    found: dict[str, list[dict]] = {}
    for path in results_dir.glob("*-container.json"):
        container = json.loads(path.read_text())
        attached = [a for key in ("befores", "afters") for f in container.get(key, []) for a in _attachments(f)]
        for uuid in container.get("children", []) if attached else []:
            found.setdefault(uuid, []).extend(attached)
    return found


def load_known_defects(path: Path | None) -> dict[str, dict]:
    if path is None or not path.is_file():
        return {}
    return tomllib.loads(path.read_text()).get("defect", {})


# What the page shows of the switch report (never its images' digests' registries' credentials).
SWITCH_FIELDS = (
    "downtime_s",
    "seconds",
    "failed_stage",
    "error",
    "restore",
    "snapshot",
    "t0",
    "probe_writes",
    "probe_throttled",
    "delta",
)


def read_switch(path: Path | None) -> dict | None:
    if path is None:
        return None
    if not path.is_file():
        raise OpsError(f"switch report {path} not found (the switch writes <root>/state/switch.json)")
    report = json.loads(path.read_text())
    return {k: report[k] for k in SWITCH_FIELDS if k in report}


@dataclass
class SignOff:
    runs: list[Run]
    switch: dict | None
    defects: dict[str, dict]
    expect_switch: bool
    generated: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S %Z"))

    def regressions(self) -> list[tuple[Run, Check, str]]:
        """Checks that failed, with what was expected of them (passed on staging, or expected to pass)."""
        staging = next((r for r in self.runs if r.label == "staging"), None)
        found = []
        for run in self.runs:
            for check in run.checks.values():
                if check.status in ("failed", "broken"):
                    before = staging.checks.get(check.name) if staging and run is not staging else None
                    why = "passed on staging" if before and before.status == "passed" else "expected to pass"
                    found.append((run, check, why))
        return found

    def known(self) -> dict[str, list[tuple[Run, Check, str]]]:
        met: dict[str, list[tuple[Run, Check, str]]] = {}
        for run in self.runs:
            for check in run.checks.values():
                for defect_id, _version, seen in check.known:
                    met.setdefault(defect_id, []).append((run, check, seen))
        return met

    def reasons(self) -> list[str]:
        """Why NO-GO; none means GO."""
        why = [f"{len(self.regressions())} regression(s)"] if self.regressions() else []
        labels = {r.label for r in self.runs}
        if not self.runs:
            why.append("no suite run")
        if self.expect_switch:
            why += [f"no {label} run" for label in ("staging", "production") if label not in labels]
            if self.switch is None:
                why.append("no switch report")
        if self.switch is not None:
            if self.switch.get("failed_stage"):
                why.append(f"the switch failed at stage {self.switch['failed_stage']}")
            downtime = self.switch.get("downtime_s")
            if downtime is None:
                why.append("the switch measured no downtime (no accepted write after the freeze)")
            elif downtime > DOWNTIME_LIMIT_S:
                why.append(f"downtime {downtime:.1f} s over the {DOWNTIME_LIMIT_S:.0f} s limit")
        return why

    @property
    def verdict(self) -> str:
        return "NO-GO" if self.reasons() else "GO"


def latency_svg(series: dict[str, list[float]], width: int = 640, height: int = 220) -> str:
    """Latency of each message in order, one line per run, p95 of each dashed: a hand-written SVG."""
    colours = ("#36c", "#c63", "#393")
    values = [v for vs in series.values() for v in vs] or [1.0]
    top, longest = max(values) * 1.15 or 1.0, max((len(vs) for vs in series.values()), default=1)
    left, bottom = 48, height - 24

    def x(i: int) -> float:
        return left + i * (width - left - 16) / max(1, longest - 1)

    def y(v: float) -> float:
        return bottom - (bottom - 28) * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">',
        f'<text x="{left}" y="14" font-size="12">message:new latency per message (ms); dashed: p95</text>',
        f'<line x1="{left}" y1="{bottom}" x2="{width - 8}" y2="{bottom}" stroke="#888"/>',
        f'<line x1="{left}" y1="24" x2="{left}" y2="{bottom}" stroke="#888"/>',
        f'<text x="4" y="{y(top / 1.15) + 4:.0f}" font-size="10">{top / 1.15:.0f}</text>',
        f'<text x="30" y="{bottom + 4}" font-size="10">0</text>',
    ]
    for n, (label, vs) in enumerate(series.items()):
        if not vs:
            continue
        colour = colours[n % len(colours)]
        p95 = sorted(vs)[max(0, -(-95 * len(vs) // 100) - 1)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vs))
        parts += [
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>',
            f'<line x1="{left}" y1="{y(p95):.1f}" x2="{width - 8}" y2="{y(p95):.1f}" stroke="{colour}" '
            'stroke-dasharray="4"/>',
            f'<text x="{left + 8 + 170 * n}" y="{height - 6}" font-size="11" fill="{colour}">'
            f"{label}: p95 {p95:.1f} ms</text>",
        ]
    return "\n".join(parts + ["</svg>"]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _first_line(text: str, limit: int = 240) -> str:
    return (text.strip().splitlines() or [""])[0][:limit]


def markdown(signoff: SignOff, plot: str | None) -> str:
    env = next((r.environment for r in reversed(signoff.runs) if r.environment), {})
    lines = [f"# {signoff.verdict}: switch of Meeshy to {env.get('app.version', 'the new version')}", ""]
    reasons = signoff.reasons()
    lines += [
        f"**{signoff.verdict}**"
        + (
            ": " + "; ".join(reasons) + "."
            if reasons
            else ": no regression"
            + (", the switch within its window" if signoff.switch else "")
            + "; the known defects below are the deployed version's, not the migration's."
        ),
        "",
        f"Generated {signoff.generated} from: "
        + ", ".join([f"the {r.label} run" for r in signoff.runs] + (["the switch report"] if signoff.switch else []))
        + f". App version {env.get('app.version', '?')} replacing {env.get('app.previous_version', '?')}.",
        "",
    ]
    lines += ["## Regressions (failed here)", ""]
    regressions = signoff.regressions()
    lines += [
        f"- **{run.label}** {check.section} / `{check.name}` ({why}): {_first_line(check.message) or check.status}"
        for run, check, why in regressions
    ] or ["None."]
    lines += ["", "## Known defects of the deployed version (not regressions)", ""]
    known = signoff.known()
    if known:
        lines += ["| defect | met by | seen | evidence | the check instead |", "| --- | --- | --- | --- | --- |"]
        for defect_id, meetings in sorted(known.items()):
            listed = signoff.defects.get(defect_id, {})
            met = ", ".join(sorted({f"{run.label} `{check.name}`" for run, check, _ in meetings}))
            seen = "; ".join(sorted({s for _, _, s in meetings}))
            lines.append(
                f"| {defect_id} ({listed.get('version', meetings[0][1].known[0][1])}) | {_cell(met)} | "
                f"{_cell(seen)} | {_cell(listed.get('evidence', 'not in the known-defects file'))} | "
                f"{_cell(listed.get('instead', ''))} |"
            )
    else:
        lines.append("None met.")
    lines += [
        "",
        "## Counts",
        "",
        "| run | passed | regressions | known defects | skipped |",
        "| --- | --- | --- | --- | --- |",
    ]
    for run in signoff.runs:
        o = run.outcomes()
        lines.append(
            f"| {run.label} | {o['passed']} | {o['failed'] + o['broken']} | {o['known-defect']} | {o['skipped']} |"
        )
    lines += [
        "",
        "| run | runbook section | verdict | passed | failed | known defects | skipped |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in signoff.runs:
        by_section: dict[str, Counter] = {}
        for check in run.checks.values():
            by_section.setdefault(check.section, Counter())[check.status] += 1
        order = [s for s in SECTIONS if s in by_section] + sorted(s for s in by_section if s not in SECTIONS)
        for section in order:
            c = by_section[section]
            failed = c["failed"] + c["broken"]
            verdict = "FAIL" if failed else "PASS" if c["passed"] or c["known-defect"] else "SKIPPED"
            lines.append(
                f"| {run.label} | {section} | {verdict} | {c['passed']} | {failed} | {c['known-defect']} | "
                f"{c['skipped']} |"
            )
    for run in signoff.runs:
        if run.counts:
            lines += [
                "",
                f"Documents ({run.label}): migration report vs database",
                "",
                "| collection | expected | found |",
                "| --- | --- | --- |",
            ]
            lines += [
                f"| {name} | {row.get('expected')} | {row.get('found')} |" for name, row in sorted(run.counts.items())
            ]
    lines += browser_checklist(signoff)
    lines += ["", "## Downtime", ""]
    if signoff.switch is None:
        lines.append("No switch report given.")
    else:
        sw = signoff.switch
        downtime = sw.get("downtime_s")
        lines.append(
            (
                f"**{downtime:.2f} s** (first write refused → first write accepted), limit {DOWNTIME_LIMIT_S:.0f} s."
                if isinstance(downtime, (int, float))
                else "Not measured."
            )
            + (f" Stages (s): {', '.join(f'{k} {v}' for k, v in sw['seconds'].items())}." if sw.get("seconds") else "")
        )
        if sw.get("failed_stage"):
            lines.append(
                f"The switch failed at stage {sw['failed_stage']}: {scrub(str(sw.get('error', '')))}. "
                f"{scrub(str(sw.get('restore', '')))}"
            )
        if isinstance(sw.get("delta"), dict) and sw["delta"].get("totals"):
            lines.append(f"Delta since T0: {scrub(json.dumps(sw['delta']['totals']))}.")
    lines += ["", "## Real-time latency (message:new between two accounts)", ""]
    rows = [r for r in signoff.runs if r.latency]
    if rows:
        if plot:
            lines += [f"![message:new latency]({plot})", ""]
        lines += ["| run | messages | p50 ms | p95 ms | max ms |", "| --- | --- | --- | --- | --- |"]
        lines += [
            f"| {r.label} | {r.latency.get('count')} | {r.latency.get('p50_ms')} | {r.latency.get('p95_ms')} | "
            f"{r.latency.get('max_ms')} |"
            for r in rows
        ]
    else:
        lines.append("Not measured.")
    lines += ["", "## Load", ""]
    lines += [f"- {r.label}: {load}" for r in signoff.runs for load in r.loads] or ["Not measured."]
    return scrub("\n".join(lines) + "\n")


def browser_checklist(signoff: SignOff) -> list[str]:
    """The runbook's manual checklist (phase 3), one row per browser check: its outcome in each run and
    the final-state screenshots it left in the Allure report."""
    names = sorted({c.name for r in signoff.runs for c in r.checks.values() if c.story}, key=_checklist_order(signoff))
    lines = ["", "## Runbook checklist in the browser (phase 3)", ""]
    if not names:
        return lines + ["No browser check of the checklist ran."]
    labels = [r.label for r in signoff.runs]
    lines += [
        "| runbook item | browser check | " + " | ".join(labels) + " | final state (Allure attachments) |",
        "| --- | --- | " + " | ".join("---" for _ in labels) + " | --- |",
    ]
    for name in names:
        found = [r.checks.get(name) for r in signoff.runs]
        check = next(c for c in found if c)
        shots = sorted({s for c in found if c for s in c.screenshots})
        lines.append(
            f"| {_cell(check.story)} | `{_cell(name)}` | "
            + " | ".join(c.status if c else "not run" for c in found)
            + f" | {', '.join(shots) or 'none'} |"
        )
    return lines


def _checklist_order(signoff: SignOff):
    """Runbook order: by section (SECTIONS), then as the checks ran."""
    position = {}
    for run in signoff.runs:
        for n, check in enumerate(run.checks.values()):
            rank = SECTIONS.index(check.section) if check.section in SECTIONS else len(SECTIONS)
            position.setdefault(check.name, (rank, n))
    return lambda name: position[name]


def write(signoff: SignOff, directory: Path) -> tuple[Path, Path | None]:
    """``sign-off.md`` and, when latencies were measured, ``sign-off-latency.svg`` beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    series = {r.label: r.latencies_ms for r in signoff.runs if r.latencies_ms}
    plot = directory / "sign-off-latency.svg" if series else None
    if plot is not None:
        plot.write_text(latency_svg(series))
    page = directory / "sign-off.md"
    page.write_text(markdown(signoff, plot.name if plot else None))
    return page, plot
