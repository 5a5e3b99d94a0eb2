"""Jobs the worker runs every few minutes (apps register them; core imports none)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections

logger = logging.getLogger(__name__)

__all__ = ["Job", "jobs", "register_periodic", "run_due", "run_periodic"]


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]


_jobs: dict[str, Job] = {}


def register_periodic(
    name: str, *, every_seconds: float
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(func: Callable[[], object]) -> Callable[[], object]:
        _jobs[name] = Job(name, every_seconds, func)
        return func

    return register


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def run_due(last_run: dict[str, float], now: float) -> None:
    """Run every job whose interval has passed since ``last_run`` (updated in place)."""
    for job in jobs():
        if now - last_run.get(job.name, 0.0) < job.every_seconds:
            continue
        last_run[job.name] = now
        try:
            result = job.run()
            logger.info("periodic job %s: %s", job.name, result)
        except Exception:  # a failing job must not stop the worker; it runs again later
            logger.exception("periodic job %s failed", job.name)
        finally:
            close_old_connections()


def run_periodic(stop: threading.Event, tick: float = 5.0) -> None:
    """The worker's scheduler thread."""
    last_run: dict[str, float] = {}
    while not stop.is_set():
        run_due(last_run, time.monotonic())
        stop.wait(tick)
