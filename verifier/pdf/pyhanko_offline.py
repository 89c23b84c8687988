"""pyHanko's validation modules without its signing API and the HTTP client under it.

Importing any ``pyhanko.sign.*`` module first runs the package's ``__init__``, which re-exports
the signing API (``from .signers import …``); the signers import the time-stamp client and it
imports aiohttp, which builds two TLS contexts as it loads. In ``verifier pdf`` that was about
100 ms of CPU (about a third of the process) for network code an offline verifier never runs.

:func:`defer_signing_api` puts the package ``pyhanko.sign`` into ``sys.modules`` unexecuted:
its submodules (``validation``, ``fields``, ``diff_analysis``, …) import as usual, and the first
time anyone asks the package itself for a name it lacks (``from pyhanko.sign import
PdfSigner``), pyHanko's own ``__init__`` runs and the name is answered (a PEP 562 module
``__getattr__``). A process that signs later, such as a web worker, still gets exactly the
package pyHanko wrote; it only loads it when it needs it.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from typing import Any

PACKAGE = "pyhanko.sign"
_LOCK = threading.RLock()
"""Re-entrant: the package's ``__init__`` asks the package for names while it runs."""


def defer_signing_api() -> None:
    """Make ``pyhanko.sign`` importable without running its ``__init__`` until a name of the
    package itself is needed. Nothing to do when it is already imported."""
    with _LOCK:
        if PACKAGE in sys.modules:
            return
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.loader is None:
            return  # not installed: the verifier's own import reports that
        loader = spec.loader
        package = importlib.util.module_from_spec(spec)
        ran = False

        def attribute(name: str) -> Any:
            nonlocal ran
            with _LOCK:
                if not ran:
                    ran = True
                    loader.exec_module(package)
            try:
                return package.__dict__[name]
            except KeyError:
                # Also while the __init__ runs: the import system then loads the submodule.
                raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None

        package.__dict__["__getattr__"] = attribute
        sys.modules[PACKAGE] = package
        sys.modules["pyhanko"].__dict__["sign"] = package
