"""Holding SIGINT / SIGTERM over a block that must finish, such as writing a checkpoint and counting it."""
import signal
import threading
from contextlib import contextmanager


@contextmanager
def _signals_held():
    """Hold SIGINT / SIGTERM during the block, then deliver the first one that came, as it would have been.

    The checkpoint file is atomic anyway; holding the signals keeps the bookkeeping
    (which epoch is on disk) true, so the message after Ctrl-C names the right epoch.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if handler is not None:  # None: set outside Python, cannot be put back
            previous[sig] = handler
            signal.signal(sig, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            signal.raise_signal(received[0])
