"""Correlated features: Lemma 1 (all features copies of one scalar) and an equicorrelated family.

Lemma 1 takes ``x = g a`` with g ~ N(0, 1), so ``cov = a a^T`` has rank one. Min-norm least
squares spreads the one available prediction over all copies; pruning drops the share of
the dropped copies (a bias), retraining on the kept copies puts it back.

The family ``cov_c = (1 - c) diag(lam) + c sqrt(lam) sqrt(lam)^T`` keeps every variance
``lam_i`` and gives every pair of features the correlation ``c``: c = 0 is the diagonal
problem, c = 1 is Lemma 1 with ``a = sqrt(lam)``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import checks
from . import general_sigma


def _check_lemma1(a, beta, sigma, n, s) -> tuple[np.ndarray, np.ndarray, float, int, int]:
    a = np.asarray(a, dtype=float)
    beta = np.asarray(beta, dtype=float)
    if a.ndim != 1 or a.size < 1 or not np.all(np.isfinite(a)) or not np.any(a):
        raise ValueError(f"a must be a finite non-zero vector, got shape {a.shape}")
    if beta.shape != a.shape or not np.all(np.isfinite(beta)):
        raise ValueError(f"beta must be a finite vector of length {a.size}, got {beta.shape}")
    sigma = checks.nonnegative("sigma", sigma)
    n = checks.integer("n", n, 3)
    s = checks.integer("s", s, 1, a.size)
    return a, beta, sigma, n, s


def lemma1_support(a, s: int) -> np.ndarray:
    """Indices kept by magnitude (and Hessian) pruning when cov = a a^T: the s largest |a_i|.

    Both scores are increasing in |a_i| (|beta_hat_i| ~ |a_i|, H_ii beta_hat_i^2 ~ a_i^4);
    ties are broken by index.
    """
    a = np.asarray(a, dtype=float)
    if a.ndim != 1 or a.size < 1:
        raise ValueError(f"a must be a non-empty 1-D vector, got shape {a.shape}")
    s = checks.integer("s", s, 1, a.size)
    return np.sort(np.argsort(-np.abs(a), kind="stable")[:s])


def lemma1_excess(a, beta, sigma: float, n: int, s: int) -> dict[str, float]:
    """Lemma 1: expected excess risks over L(beta) = sigma^2 when cov = a a^T.

    With rho = |a_S|^2 / |a|^2 (the kept share of the prediction) and E[1/chi^2_n] = 1/(n-2):
    dense = retrained = sigma^2/(n-2); pruned = (1-rho)^2 (a^T beta)^2 + rho^2 sigma^2/(n-2).
    """
    a, beta, sigma, n, s = _check_lemma1(a, beta, sigma, n, s)
    rho = float(np.sum(a[lemma1_support(a, s)] ** 2) / np.sum(a**2))
    var = sigma**2 / (n - 2)
    return {
        "rho": rho,
        "dense": var,
        "pruned": (1 - rho) ** 2 * float(a @ beta) ** 2 + rho**2 * var,
        "retrained": var,
    }


def simulate_lemma1(
    a, beta, sigma: float, n: int, s: int, trials: int, rng: np.random.Generator
) -> dict[str, tuple[float, float]]:
    """Monte Carlo of Lemma 1 with the generic pipeline: (mean, s.e.) of each excess risk.

    Draws ``trials`` training sets x = g a, fits min-norm least squares, magnitude-prunes to
    s and retrains on the same samples; the risks are exact population risks of each theta.
    """
    a, beta, sigma, n, s = _check_lemma1(a, beta, sigma, n, s)
    trials = checks.integer("trials", trials, 2)
    rng = checks.generator("rng", rng)
    m = general_sigma.lgp_moments(np.outer(a, a), beta, sigma)
    X, y = general_sigma.sample_gaussian(m, n, rng, batch=(trials,))
    fits = general_sigma.train_prune_retrain(X, y, s, methods=("magnitude",),
                                             solver=general_sigma.pinv_solve)
    out = {}
    for name, theta in (
        ("dense", fits["dense"]),
        ("pruned", fits["magnitude"]["pruned"]),
        ("retrained", fits["magnitude"]["retrained"]),
    ):
        excess = general_sigma.risk(theta, m) - sigma**2
        out[name] = (float(excess.mean()), float(excess.std(ddof=1) / np.sqrt(trials)))
    return out


def equicorrelated_cov(lam, c: float) -> np.ndarray:
    """``(1 - c) diag(lam) + c sqrt(lam) sqrt(lam)^T``: variances lam, all correlations c."""
    lam = np.asarray(lam, dtype=float)
    if lam.ndim != 1 or lam.size < 1 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError("lam must be a non-empty vector with entries in (0, inf)")
    if not (isinstance(c, numbers.Real) and 0 <= c <= 1):
        raise ValueError(f"c must be in [0, 1], got {c!r}")
    a = np.sqrt(lam)
    return (1 - c) * np.diag(lam) + c * np.outer(a, a)


def crossover(c, pruned, retrained) -> float:
    """First c where the retrained curve drops below the pruned one (linear interpolation).

    Returns nan when retraining never wins on the grid, c[0] when it always wins.
    """
    c, gap = np.asarray(c, float), np.asarray(retrained, float) - np.asarray(pruned, float)
    if c.ndim != 1 or c.shape != gap.shape or c.size < 2 or np.any(np.diff(c) <= 0):
        raise ValueError("c must be an increasing grid of length >= 2 matching the two curves")
    if gap[0] < 0:
        return float(c[0])
    below = np.flatnonzero(gap < 0)
    if below.size == 0:
        return float("nan")
    j = below[0]
    return float(c[j - 1] + (c[j] - c[j - 1]) * gap[j - 1] / (gap[j - 1] - gap[j]))
