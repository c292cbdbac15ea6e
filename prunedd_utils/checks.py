"""Argument checks shared by the package: each raises a ValueError naming the parameter and
its allowed range, before any compute."""

from __future__ import annotations

import numbers

import numpy as np


def positive_vector(name: str, value) -> np.ndarray:
    """A 1-D float array of finite, strictly positive entries (covariance eigenvalues)."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must have entries in (0, inf), got min {arr.min()!r}")
    return arr


def finite_vector(name: str, value, size: int) -> np.ndarray:
    """A 1-D float array of finite entries with the given length."""
    arr = np.asarray(value, dtype=float)
    if arr.shape != (size,):
        raise ValueError(f"{name} must be a 1-D array of length {size}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must have entries in (-inf, inf), got a non-finite entry")
    return arr


def integer(name: str, value, low: int, high: float = np.inf) -> int:
    """An integer in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    return int(value)


def nonnegative(name: str, value) -> float:
    """A finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number in [0, inf), got {value!r}")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a real number in [0, inf), got {value!r}")
    return float(value)


def seed(name: str, value) -> int:
    """A seed for ``numpy.random.default_rng``: an integer in [0, inf)."""
    return integer(name, value, 0)


def generator(name: str, value) -> np.random.Generator:
    """A ``numpy.random.Generator`` (``np.random.default_rng(seed)``), not a seed or None."""
    if not isinstance(value, np.random.Generator):
        raise ValueError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {value!r}"
        )
    return value


def memory(name: str, value, nbytes: float, budget: float, detail: str) -> None:
    """Refuse a size parameter ``value`` whose arrays would need more than ``budget`` bytes.

    ``nbytes`` is what the arrays would take and ``detail`` says which arrays and why, so
    the message names the parameter, the budget and the sizes involved.
    """
    if nbytes > budget:
        raise ValueError(
            f"{name} must keep {detail} within the memory budget of {budget / 2**30:.3g} GiB, "
            f"got {name} = {value!r}, which needs {nbytes / 2**30:.3g} GiB"
        )
