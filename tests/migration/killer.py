"""`python -m tests.migration.killer K meeshy-ops-args…`: runs the command and kills itself with SIGKILL
just before its K-th write to the database (every write method of pymongo's Collection counts), so a
test can interrupt a run between any two of its writes, as kill -9 would."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pymongo.collection import Collection

WRITES = ("insert_one", "insert_many", "replace_one", "update_one", "update_many", "delete_one", "delete_many",
          "bulk_write")


@contextmanager
def on_writes(before: Callable[[int], None]) -> Iterator[list[int]]:
    """Calls ``before(n)`` ahead of the n-th write (1-based); yields the count so far, as a one-item list."""
    count = [0]
    originals = {name: getattr(Collection, name) for name in WRITES}

    def wrap(original):
        def write(self, *args, **kwargs):
            count[0] += 1
            before(count[0])
            return original(self, *args, **kwargs)
        return write

    for name, original in originals.items():
        setattr(Collection, name, wrap(original))
    try:
        yield count
    finally:
        for name, original in originals.items():
            setattr(Collection, name, original)


def main() -> None:
    kill_at = int(sys.argv[1])

    def before(n: int) -> None:
        if n == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    sys.argv = ["meeshy-ops", *sys.argv[2:]]
    from ops.cli import main as cli

    with on_writes(before):
        cli()


if __name__ == "__main__":
    main()
