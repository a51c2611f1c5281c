"""Ctrl-C (SIGINT) and SIGTERM during training: held, and delivered only at the loop's safe points.

Python raises KeyboardInterrupt in whatever code runs when a signal lands. In the middle of
a checkpoint write that loses the bookkeeping (which epoch is on disk); in third-party code it
does worse: an interrupted C-extension import fails as ImportError, and on CPython before 3.14
a KeyboardInterrupt that passes through code run by ``exec``/``eval`` of a string (dataclasses
and namedtuples are made that way; matplotlib's first import makes dozens) marks the process
as killed by an unhandled Ctrl-C even though the CLI catches it: the process then kills itself
with SIGINT at exit instead of exiting 130. So the training loop holds both signals and calls
:meth:`SignalsHeld.deliver` where stopping is safe (between steps, between evaluation batches,
after an epoch's checkpoint); a held signal reaches its own handler there.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

__all__ = ["SignalsHeld"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalsHeld:
    """``with SignalsHeld() as held:`` holds SIGINT / SIGTERM; ``held.deliver()`` is a safe point.

    At a safe point, and when the block ends, the first signal that came is raised again with
    the handlers put back, so it acts as it would have (Python's SIGINT handler raises
    KeyboardInterrupt). If its handler returns, the signals are held again. Outside the main
    thread (where handlers cannot be set) nothing is held.
    """

    def __init__(self):
        self.received = []
        self._previous = {}

    def __enter__(self):
        self.hold()
        return self

    def __exit__(self, *exc_info):
        self._release_and_raise()
        return False

    def deliver(self):
        """A safe point: a signal held since the last one reaches its handler now (which may raise)."""
        if self.received:
            self._release_and_raise()
            self.hold()   # only reached when the handler did not raise

    @contextmanager
    def released(self):
        """A block where the signals act at once, as without holding (a held one is delivered first)."""
        self._release_and_raise()
        try:
            yield
        finally:
            self.hold()

    def hold(self):
        """Hold the signals again after a delivery released them (a no-op while they are held)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in _SIGNALS:
            handler = signal.getsignal(sig)
            # None: set outside Python, cannot be put back; SIG_IGN: nothing to deliver
            if handler is not None and handler != signal.SIG_IGN and handler != self._record:
                self._previous[sig] = handler
                signal.signal(sig, self._record)

    def _record(self, signum, frame):
        self.received.append(signum)

    def _release_and_raise(self):
        while self._previous:   # one at a time: a handler that raises here leaves the others to be put back later
            sig, handler = next(iter(self._previous.items()))
            signal.signal(sig, handler)   # runs a signal still pending for _record first: none is lost
            del self._previous[sig]
        if self.received:
            signum = self.received[0]
            self.received.clear()
            signal.raise_signal(signum)
