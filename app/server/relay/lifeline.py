"""A child process's tie to its parent: on Linux the kernel kills the child when the parent
dies (even by SIGKILL), so a restarted server never finds an orphan holding its store or a
core."""

import contextlib
import ctypes
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def ignore_stop_signals() -> None:
    """The parent stops this process (it closes standard input) after its own shutdown; a
    signal to the whole process group (Ctrl-C, a service manager) must not come first."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
