"""Where the project's own files are: the templates and the suites ship beside the package."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
