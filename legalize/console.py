"""What both console scripts (``legalize``, ``verifier``) do around a command.

``verifier pdf … | head`` closes the pipe before the report is written out: the next write
raises BrokenPipeError. The Python documentation's way (the note on SIGPIPE in the ``signal``
module) is to catch it, point standard output at ``/dev/null`` so the flush at exit does not
raise again, and exit; resetting SIGPIPE to its default instead would also kill the process on
any closed socket (a database connection). The exit status is the one a shell reports for a
program that SIGPIPE ended (``yes | head``): distinct from 1 (not VALID) and 2 (usage error).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

BROKEN_PIPE_STATUS = 128 + signal.SIGPIPE.value


def run_console(command: Callable[[], int]) -> int:
    """Run ``command`` and flush its output; the exit status, or :data:`BROKEN_PIPE_STATUS`
    without a traceback when the reader of standard output went away."""
    try:
        try:
            return command()
        finally:
            # Inside the try, also after --help (SystemExit): the last buffered write fails
            # here, not in the flush at exit, which would print "Exception ignored".
            sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE_STATUS
