"""Interrupts held while production is being brought back: a second Ctrl-C there would leave it half-started."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def held_interrupts(echo: Callable[[str], None]) -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM are acknowledged and ignored inside the block, which ends on its own deadlines;
    yields the signals received. Signal handlers can only be set from the main thread: elsewhere, a no-op."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def hold(signum: int, _frame) -> None:
        received.append(signum)
        echo("interrupt held: production is being brought back; this ends on its own (each wait has a deadline)")

    previous = {sig: signal.signal(sig, hold) for sig in HELD}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
