"""The verification suites as they were before they were pinned to the deployed Meeshy, from git.

The self-tests of the fidelity findings (``reference/fidelity.md``) run the old checks against
today's sandbox. Nothing old is committed: the files are read from the repository's history at run
time (``git show``) into a temporary directory, with the root conftest of that commit, so the old
checks run exactly as they were (with today's ``ops`` package, which they import; a module they
import that has moved since is imported from where it is now, ``MOVED``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from harness import ROOT

# The last commit before the suites were pinned to d5983046 (1eb2a5b).
BEFORE_THE_FIX = "51afba1"
PATHS = ("conftest.py", "tests/suites")
# Modules of today's packages the old files import, by their old name -> their name now.
MOVED = {b"from sandbox.web.browser import": b"from meeshy_checks.checklib.chromium import"}


class HistoryUnavailable(Exception):
    """No git, no repository, or the commit is not in it (a shallow clone, an exported tree)."""


def _git(*args: str) -> str:
    if shutil.which("git") is None:
        raise HistoryUnavailable("git is not installed")
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as exc:
        raise HistoryUnavailable(f"git {' '.join(args)} did not answer within 60 s") from exc
    if done.returncode != 0:
        raise HistoryUnavailable(f"git {' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def extract(dest: Path, commit: str = BEFORE_THE_FIX) -> Path:
    """Write the suites (and the root conftest) of ``commit`` under ``dest``; return ``dest``."""
    _git("cat-file", "-e", f"{commit}^{{commit}}")
    files = _git("ls-tree", "-r", "--name-only", commit, "--", *PATHS).split()
    if "conftest.py" not in files or not any(f.startswith("tests/suites/test_") for f in files):
        raise HistoryUnavailable(f"{commit} holds no suites under tests/suites")
    for name in files:
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = subprocess.run(
            ["git", "show", f"{commit}:{name}"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
        for before, now in MOVED.items():
            text = text.replace(before, now)
        path.write_bytes(text)
    return dest
