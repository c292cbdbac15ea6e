"""Verdicts over seeds: when one measured error is lower than another, stated once.

The neural chapters compare test errors averaged over a few seeds (pruned against dense,
one pruning method against another). The rule, fixed before the results are read:

* a set of errors (one per seed) has the *uncertainty* ``u``: the larger of half its range
  and ``sqrt(2)`` binomial standard errors ``sqrt(e (1 - e) / n_test)`` of one error ``e``
  measured on ``n_test`` images (a single seed has no range; the binomial term keeps ``u``
  honest then);
* ``a`` is *lower* than ``b`` when ``mean(a) < mean(b) - 2 u``, *higher* when
  ``mean(a) > mean(b) + 2 u``, and a *tie* otherwise, where ``u`` is the larger of the two
  uncertainties.

numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _errors(name: str, values) -> np.ndarray:
    """``values`` as a non-empty 1-d array of errors in [0, 1]."""
    a = np.asarray(values, dtype=float).ravel()
    if a.size == 0 or not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 1:
        raise ValueError(f"{name} must be a non-empty list of errors in [0, 1], got {values!r}")
    return a


def uncertainty(values, n_test: int) -> float:
    """Half the seed range of ``values``, or sqrt(2) binomial standard errors if larger."""
    if int(n_test) < 1:
        raise ValueError(f"n_test must be an integer >= 1, got {n_test!r}")
    a = _errors("values", values)
    e = a.mean()
    return float(max((a.max() - a.min()) / 2, np.sqrt(2 * e * (1 - e) / int(n_test))))


@dataclass(frozen=True)
class Comparison:
    """``a`` against ``b``: their means, the margin ``2 u`` and the outcome."""

    a: float
    b: float
    margin: float
    outcome: str  # "lower", "higher" or "tie"

    @property
    def gap(self) -> float:
        """``mean(a) - mean(b)``."""
        return self.a - self.b


def compare(a, b, n_test: int) -> Comparison:
    """Compare two sets of per-seed errors by the module's rule (lower, higher or tie)."""
    ea, eb = _errors("a", a), _errors("b", b)
    margin = 2 * max(uncertainty(ea, n_test), uncertainty(eb, n_test))
    gap = float(ea.mean() - eb.mean())
    outcome = "lower" if gap < -margin else ("higher" if gap > margin else "tie")
    return Comparison(float(ea.mean()), float(eb.mean()), float(margin), outcome)


def band(values) -> tuple[float, float, float]:
    """``(mean, min, max)`` of per-seed values."""
    a = np.asarray(values, dtype=float).ravel()
    if a.size == 0:
        raise ValueError("values must not be empty")
    return float(a.mean()), float(a.min()), float(a.max())


def band_text(b, fmt: str = ".3f") -> str:
    """A band ``(mean, min, max)`` as ``mean [min, max]``; ``-`` for None (no value: a
    trajectory outside the dense range, a run that never fits)."""
    if b is None:
        return "-"
    return f"{b[0]:{fmt}} [{b[1]:{fmt}}, {b[2]:{fmt}}]"
