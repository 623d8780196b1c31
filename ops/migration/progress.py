"""Progress output on stderr (rich), so stdout stays for results; silent when not asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


def say(message: str) -> None:
    """One line as written: not wrapped at the width of a log file, no rich markup read in it."""
    console.print(message, highlight=False, markup=False, soft_wrap=True)


class Board:
    """One live display for a whole run: a bar per collection, safe to advance from several threads."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def task(self, label: str, total: int) -> Callable[[int], None]:
        if self.progress is None:
            return lambda n: None
        task = self.progress.add_task(label, total=total)
        return lambda n: self.progress.advance(task, n)


@contextmanager
def board(enabled: bool) -> Iterator[Board]:
    if not enabled:
        yield Board(None)
        return
    columns = (TextColumn("{task.description:<36}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        yield Board(progress)
