"""Several service processes on one port (``WEB_CONCURRENCY``), as Heroku-style hosts run them.

One Python process uses one core at most (one event loop, one interpreter lock). With
``WEB_CONCURRENCY=N`` (N > 1) ``python -m bot`` starts N workers, each the whole service,
binding the same port with ``SO_REUSEPORT`` so the kernel shares connections between them.
That is safe because any process can take any message: conversation state is in the
database, a person's row is locked for each turn, and a repeated Telegram update is
recognised by any process.

This process only looks after the workers. SIGTERM or SIGINT is passed on as SIGTERM (each
worker finishes what it is doing); if a worker dies, the others are stopped and this exits
with its status, so the platform restarts the service rather than run it short-handed without
saying. Only the first worker runs the "you said, we did" sender, whose rate limit is for the
whole bot.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from types import FrameType

log = logging.getLogger(__name__)

WORKER_ENV = "BOT_WORKER"  # its index; tells ``python -m bot`` to serve, not supervise
_STOP_WITHIN = 60.0  # seconds a worker has to finish after SIGTERM


def supervise(count: int, command: list[str]) -> int:
    """Run ``count`` workers of ``command`` until one stops; returns the exit status."""
    workers = [_start(command, index) for index in range(count)]
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        _signal_all(workers)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("serving with %s worker processes: %s", count, [w.pid for w in workers])
    pid, status = os.wait()  # the first worker to stop (retried across our own signals)
    code = os.waitstatus_to_exitcode(status)
    if not stopping:
        log.error("worker %s stopped (status %s); stopping the others", pid, code)
    _signal_all(workers)
    for worker in workers:
        if worker.pid == pid:
            worker.returncode = code
            continue
        try:
            worker.wait(_STOP_WITHIN)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return 0 if stopping else (code or 1)


def _start(command: list[str], index: int) -> subprocess.Popen[bytes]:
    env = os.environ | {WORKER_ENV: str(index)}
    if index > 0:
        env["UPDATES_SENDER_IN_WEB"] = "false"
    # A session of its own: a Ctrl-C in the terminal reaches this process only, which then
    # stops every worker once (a second signal mid-shutdown would cut it short).
    return subprocess.Popen(command, env=env, start_new_session=True)


def _signal_all(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
