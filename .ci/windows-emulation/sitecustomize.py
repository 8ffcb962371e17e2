"""Windows emulation for CI on Linux (see .ci/run): imported at the start of every Python
process, workers included, whose PYTHONPATH starts with this folder.

It takes away what Windows does not have, so that a path written around it fails here as it
would there:

- the `fork` and `forkserver` start methods: workers are spawned, and get only what is
  pickled to them;
- `os.fork`, `os.sched_getaffinity`;
- `fcntl` (importing it raises ImportError);
- `signal.setitimer`, `signal.getitimer`, `signal.alarm` and `SIGALRM`.

The console encoding (cp1252, as Windows gives redirected output) is set by the caller with
PYTHONIOENCODING. Paths, line endings and the file system stay Linux's.
"""

from __future__ import annotations

import multiprocessing as _mp
import multiprocessing.context as _mpc
import os as _os
import signal as _signal
import sys as _sys

_sys.modules["fcntl"] = None  # type: ignore[assignment]

for _name in ("fork", "forkserver"):
    _mpc._concrete_contexts.pop(_name, None)  # type: ignore[attr-defined]
_mpc.DefaultContext.get_all_start_methods = lambda self: ["spawn"]  # type: ignore[method-assign]
_spawn = _mpc._concrete_contexts["spawn"]  # type: ignore[attr-defined]
_mpc._default_context._default_context = _spawn  # type: ignore[attr-defined]
_mpc._default_context._actual_context = _spawn  # type: ignore[attr-defined]
_mp.get_all_start_methods = _mpc._default_context.get_all_start_methods

for _attr in ("fork", "sched_getaffinity"):
    if hasattr(_os, _attr):
        delattr(_os, _attr)
for _attr in ("setitimer", "getitimer", "alarm", "SIGALRM", "ITIMER_REAL"):
    if hasattr(_signal, _attr):
        delattr(_signal, _attr)

_os.environ.setdefault("ROUNDTRIP_WINDOWS_EMULATION", "1")
