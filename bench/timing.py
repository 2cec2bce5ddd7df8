"""Timing helpers shared by the benchmarks: a stopwatch, timed repeats, percentiles, a summary
of latencies, its one-line form and a ratio against a baseline of the same run.

Percentiles are nearest-rank (the smallest value with at least q % of the values at or below
it: no interpolation, always a value that was measured); the median is ``statistics.median``.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any


def log(*parts: Any) -> None:
    """Print at once (a benchmark's progress shows while it runs, also through a pipe)."""
    print(*parts, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, q in 0..100; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def summary(values: list[float], *, scale: float = 1000.0, digits: int | None = None) -> dict:
    """n, p50 (median), p95, p99, max and mean of ``values`` times ``scale`` (by default
    seconds in, milliseconds out; ``scale=1`` for values already in milliseconds), rounded to
    ``digits`` if given."""
    ms = [v * scale for v in values]
    figures = {
        "n": len(ms),
        "p50": statistics.median(ms) if ms else 0.0,
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms, default=0.0),
        "mean": statistics.fmean(ms) if ms else 0.0,
    }
    if digits is not None:
        figures |= {k: round(v, digits) for k, v in figures.items() if k != "n"}
    return figures


def fmt(s: dict) -> str:
    """A summary on one line."""
    return (
        f"p50 {s['p50']:7.2f} ms  p95 {s['p95']:7.2f} ms  p99 {s['p99']:7.2f} ms"
        f"  max {s['max']:7.2f} ms  (n={s['n']})"
    )


def ratio(measured: float, baseline: float, *, floor: float = 0.0, digits: int | None = None):
    """measured / baseline (the baseline at least ``floor``, so a zero cannot divide), rounded
    to ``digits`` if given; None if the baseline is zero and no floor is given."""
    divisor = max(baseline, floor)
    if not divisor:
        return None
    value = measured / divisor
    return value if digits is None else round(value, digits)


class Stopwatch:
    """``with Stopwatch() as watch: …`` then ``watch.seconds`` (wall) and ``watch.cpu``
    (this process's CPU time)."""

    seconds: float = 0.0
    cpu: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._cpu = time.process_time()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._started
        self.cpu = time.process_time() - self._cpu


def timed(fn: Callable[[], Any], repeat: int = 1, warmup: int = 0) -> tuple[list[float], Any]:
    """Seconds of each of ``repeat`` calls of ``fn()`` after ``warmup`` unmeasured ones, and
    the last call's result."""
    result = None
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def clock(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """Seconds of one call of ``fn(*args, **kwargs)``."""
    started = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - started
