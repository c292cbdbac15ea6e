"""Model-wise double descent in a width sweep: the rules that decide it, stated once.

The chapters that sweep the width of a network (two-layer nets, ResNet-20) ask the same
questions of the stored runs, and answer them with the rules below (numpy only):

* :func:`interpolation_threshold`: the narrowest width whose training error, on the labels
  the network was trained on (noisy ones included), is below ``tol``.
* :func:`find_peak`: the bottom of the first descent, the highest point after it, and
  whether the curve rises to that peak and falls after it by more than ``min_change``
  (a :class:`DoubleDescent`). It takes one curve, or one curve per seed.
* :func:`largest_rise`: the largest increase of the error between neighbouring widths.
* :func:`best_epoch`: the lowest test error during training, from a run's stored history.

Widths are given in increasing order; an error curve is an array of shape ``(widths,)``,
or ``(seeds, widths)`` for one curve per seed, in which case the rules decide on the mean
over seeds and report the seed spread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


def _widths(widths: Sequence) -> list:
    """The widths as a list of Python numbers, checked to be finite and strictly increasing."""
    out = [w.item() if hasattr(w, "item") else w for w in widths]
    a = np.asarray(out, dtype=float)
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(f"widths must be a non-empty 1-d sequence of numbers, got {widths!r}")
    if np.any(np.diff(a) <= 0):
        raise ValueError(f"widths must be strictly increasing, got {out}")
    return out


def _curves(name: str, y, n: int) -> np.ndarray:
    """``y`` as a finite (seeds, n) float array: one row per seed (one row for a 1-d curve)."""
    a = np.asarray(y, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != n or a.size == 0:
        raise ValueError(f"{name} must have shape ({n},) or (seeds, {n}) to match the widths, "
                         f"got {np.shape(y)}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {a.tolist()}")
    return a


def interpolation_threshold(widths: Sequence, train_err, tol: float = 0.01):
    """The smallest width whose training error is below ``tol`` (strictly); None if none.

    ``train_err`` is the error on the labels used for training, so with label noise a
    network below the threshold has memorised the wrong labels too. With one curve per
    seed (shape ``(seeds, widths)``) the mean over seeds decides.
    """
    ws = _widths(widths)
    mean = _curves("train_err", train_err, len(ws)).mean(axis=0)
    return next((w for w, e in zip(ws, mean, strict=True) if e < tol), None)


def largest_rise(err) -> float:
    """The largest increase of ``err`` from one width to the next (0.0 when it never rises).

    With one curve per seed (shape ``(seeds, widths)``), of the mean curve.
    """
    a = np.asarray(err, dtype=float)
    mean = _curves("err", a, a.shape[-1] if a.ndim else 0).mean(axis=0)
    return max([float(right - left) for left, right in zip(mean, mean[1:], strict=False)]
               + [0.0])


@dataclass(frozen=True)
class DoubleDescent:
    """What :func:`find_peak` found in one width sweep (indices refer to ``widths``).

    ``threshold`` is the interpolation threshold (a width, or None when no width reaches
    it or no training errors were given); ``bottom`` the index of the bottom of the first
    descent (None when the curve only falls); ``peak`` the index of the highest point after
    the bottom and before the widest width (None when there is no such point); ``rise`` and
    ``fall`` the errors ``err[peak] - err[bottom]`` and ``err[peak] - err[-1]`` (0.0 without
    a peak); ``holds`` the verdict. ``err`` is the (mean) test-error curve, ``spread`` the
    range (max - min) over seeds of the test error at each width (zeros for one curve).
    """

    threshold: float | int | None
    bottom: int | None
    peak: int | None
    rise: float
    fall: float
    holds: bool
    widths: tuple
    err: tuple[float, ...]
    spread: tuple[float, ...]
    seeds: int
    min_change: float
    beyond_spread: bool

    @property
    def peak_spread(self) -> float:
        """The largest seed range at the bottom, the peak and the widest width (0.0 if no peak)."""
        if self.peak is None:
            return 0.0
        return max(self.spread[i] for i in (self.bottom, self.peak, len(self.err) - 1))


def find_peak(
    widths: Sequence,
    test_err,
    train_err=None,
    min_change: float = 0.01,
    tol: float = 0.01,
    beyond_spread: bool = False,
) -> DoubleDescent:
    """Look for model-wise double descent in a test-error curve over increasing widths.

    The rule, on the test error ``e`` (the mean over seeds for a ``(seeds, widths)`` array):

    1. the *bottom* of the first descent is the first point not above its right
       neighbour (``e[i] <= e[i + 1]``); if there is none, the curve only falls;
    2. the *peak* is the highest point after the bottom and before the widest width (the
       first of equal highest points); if the bottom is the last or second-to-last point,
       there is no peak;
    3. double descent *holds* when the rise ``e[peak] - e[bottom]`` and the fall
       ``e[peak] - e[-1]`` are both above ``min_change``; with ``beyond_spread=True`` both
       must also be above the seed spread, the largest range (max - min over seeds) of the
       test error at the bottom, the peak and the widest width (always 0 with one seed).

    ``train_err`` (same shape as ``test_err``), when given, is used for the interpolation
    threshold (:func:`interpolation_threshold` with ``tol``); it does not enter the verdict.
    """
    ws = _widths(widths)
    curves = _curves("test_err", test_err, len(ws))
    if min_change < 0 or not np.isfinite(min_change):
        raise ValueError(f"min_change must be a finite number >= 0, got {min_change}")
    e = curves.mean(axis=0)
    spread = curves.max(axis=0) - curves.min(axis=0)
    threshold = None if train_err is None else interpolation_threshold(ws, train_err, tol)
    n = len(e)
    bottom = next((i for i in range(n - 1) if e[i] <= e[i + 1]), None)
    peak = None
    rise = fall = 0.0
    if bottom is not None and bottom + 1 < n - 1:
        peak = bottom + 1 + int(np.argmax(e[bottom + 1 : n - 1]))
        rise, fall = float(e[peak] - e[bottom]), float(e[peak] - e[-1])
    spread_at = 0.0 if peak is None else float(max(spread[[bottom, peak, n - 1]]))
    margin = max(min_change, spread_at) if beyond_spread else min_change
    return DoubleDescent(
        threshold=threshold, bottom=bottom, peak=peak, rise=rise, fall=fall,
        holds=peak is not None and rise > margin and fall > margin,
        widths=tuple(ws), err=tuple(float(v) for v in e), spread=tuple(float(v) for v in spread),
        seeds=curves.shape[0], min_change=float(min_change), beyond_spread=bool(beyond_spread),
    )


def best_epoch(history: Iterable[Mapping], key: str = "test_err") -> tuple[float, int]:
    """The lowest ``key`` (test error) during training and its epoch: ``(error, epoch)``.

    ``history`` is a run's stored per-epoch list (``Run.metrics()["history"]``); entries
    without ``key`` (epochs with no test evaluation) are skipped, and of equal lowest errors
    the earliest epoch is returned. ValueError when no entry has ``key``.
    """
    evaluated = [h for h in history if h.get(key) is not None]
    if not evaluated:
        raise ValueError(f"no entry of the history has {key!r}")
    best = min(evaluated, key=lambda h: h[key])
    return float(best[key]), int(best["epoch"])
