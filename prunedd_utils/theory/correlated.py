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


def crossover_range(c, pruned, retrained, se, k: float = 2.0) -> tuple[float, float, float]:
    """:func:`crossover` and its range when the gap ``retrained - pruned`` moves by ``k`` s.e.

    ``se`` (per grid point) is the standard error of that gap (Monte Carlo or seed spread).
    Returns ``(low, crossover, high)``: the crossovers of the gap shifted down and up by
    ``k * se``; for a gap that decreases through zero once, the true crossover lies between
    them with the confidence of ``k`` standard errors (the grid's linear interpolation aside).
    """
    gap = np.asarray(retrained, float) - np.asarray(pruned, float)
    se = np.asarray(se, float)
    if se.shape != gap.shape or np.any(~np.isfinite(se)) or np.any(se < 0):
        raise ValueError("se must be finite, in [0, inf), one per grid point of the curves")
    if not (isinstance(k, numbers.Real) and np.isfinite(k) and k >= 0):
        raise ValueError(f"k must be in [0, inf), got {k!r}")
    zero = np.zeros_like(gap)
    return (crossover(c, zero, gap - k * se), crossover(c, zero, gap),
            crossover(c, zero, gap + k * se))


def relative_gap(theory, theory_se, sim, sim_se) -> tuple[np.ndarray, np.ndarray]:
    """``sim / theory - 1`` and its standard error from both (independent) standard errors."""
    theory, theory_se, sim, sim_se = (np.asarray(v, float) for v in (theory, theory_se, sim,
                                                                       sim_se))
    if np.any(theory <= 0):
        raise ValueError("theory must be in (0, inf) (a risk), got a value <= 0")
    gap = sim / theory - 1
    return gap, np.hypot(sim_se / theory, sim * theory_se / theory**2)


def _mean_se(values: np.ndarray) -> np.ndarray:
    return np.array([values.mean(), values.std(ddof=1) / np.sqrt(values.size)])


def _ratio_se(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``mean(a) / mean(b) - 1`` of paired samples and its delta-method standard error."""
    r = a.mean() / b.mean()
    return np.array([r - 1, ((a - r * b) / b.mean()).std(ddof=1) / np.sqrt(a.size)])


def family_problem(lam, c: float, sigma: float) -> tuple[general_sigma.Moments, np.ndarray]:
    """The LGP with covariance ``equicorrelated_cov(lam, c)`` and ``beta`` prop. to 1, scaled
    so the signal variance ``beta^T cov beta`` is 1 at every c (only the correlation
    changes along the family, not the signal-to-noise ratio ``1 / sigma^2``)."""
    cov = equicorrelated_cov(lam, c)
    ones = np.ones(cov.shape[0])
    beta = ones / np.sqrt(ones @ cov @ ones)
    return general_sigma.lgp_moments(cov, beta, sigma), beta


def family_experiment(
    lam, c_grid, n: int, s: int, sigma: float, theory_draws: int, trials: int,
    rng: np.random.Generator, chunk: int = 200,
) -> dict:
    """Theory (Defs. 4-5, Monte Carlo over the predicted law) and simulation along Sigma_c.

    At each c of ``c_grid`` (problem :func:`family_problem`): the predicted dense, pruned and
    retrained risks from ``theory_draws`` draws of the DC law, and ``trials`` simulated
    training sets of size n, each fitted by min-norm least squares, pruned to s weights by
    both scores and refitted on the same sample and on a fresh one (``chunk`` sets at a
    time, to bound memory). Every entry is an array over the grid; ``(mean, se)`` pairs on
    the last axis:

    * ``dense_theory`` (c,), ``dense_sim`` (c, 2);
    * ``theory[method][kind]`` (c, 2), kind in pruned / retrained (a fresh sample);
    * ``sim[method][kind]`` (c, 2), kind in pruned / retrained (same sample) / fresh;
    * ``same_vs_fresh[method]`` (c, 2): mean same-sample over mean fresh refit risk, minus 1;
    * ``shared``, ``private`` (c,): the theory's magnitude-pruned risk split as
      ``sigma^2 + private + shared``, ``private = (1-c) sum_i lam_i e_i^2`` and
      ``shared = c (sqrt(lam)^T e)^2`` for the error e = theta - beta (the same draws).
    """
    lam = np.asarray(lam, dtype=float)
    c_grid = np.asarray(c_grid, dtype=float)
    if c_grid.ndim != 1 or c_grid.size < 1 or np.any((c_grid < 0) | (c_grid > 1)):
        raise ValueError(f"c_grid must be a non-empty list of correlations in [0, 1], got "
                         f"{c_grid!r}")
    n = checks.integer("n", n, 3)
    s = checks.integer("s", s, 1, lam.size - 1)
    theory_draws = checks.integer("theory_draws", theory_draws, 2)
    trials = checks.integer("trials", trials, 2)
    chunk = checks.integer("chunk", chunk, 1)
    rng = checks.generator("rng", rng)
    methods = general_sigma.METHODS
    k = c_grid.size
    out: dict = {
        "c": c_grid, "dense_theory": np.zeros(k), "dense_sim": np.zeros((k, 2)),
        "theory": {m: {kind: np.zeros((k, 2)) for kind in ("pruned", "retrained")}
                   for m in methods},
        "sim": {m: {kind: np.zeros((k, 2)) for kind in ("pruned", "retrained", "fresh")}
                for m in methods},
        "same_vs_fresh": {m: np.zeros((k, 2)) for m in methods},
        "shared": np.zeros(k), "private": np.zeros(k),
    }
    for j, c in enumerate(c_grid):
        m, beta = family_problem(lam, float(c), sigma)
        law = general_sigma.dc_law(m, n)
        seed = int(rng.integers(2**63))  # the theory and the error split see the same draws
        th = general_sigma.pruning_theory(m, n, s, np.random.default_rng(seed),
                                          draws=theory_draws, law=law)
        out["dense_theory"][j] = th["dense"]
        for method in methods:
            for kind in ("pruned", "retrained"):
                out["theory"][method][kind][j] = th[method][kind]
        theta = law.sample(theory_draws, np.random.default_rng(seed))
        err = theta * th["magnitude"]["masks"] - beta
        out["shared"][j] = np.mean(c * (err @ np.sqrt(lam)) ** 2)
        out["private"][j] = np.mean((1 - c) * (err**2) @ lam)
        risks: dict = {"dense": []}
        risks.update({(meth, kind): [] for meth in methods
                      for kind in ("pruned", "retrained", "fresh")})
        for start in range(0, trials, chunk):
            size = min(chunk, trials - start)
            X, y = general_sigma.sample_gaussian(m, n, rng, batch=(size,))
            X_fresh, y_fresh = general_sigma.sample_gaussian(m, n, rng, batch=(size,))
            fits = general_sigma.train_prune_retrain(X, y, s, X_fresh=X_fresh, y_fresh=y_fresh)
            risks["dense"].append(general_sigma.risk(fits["dense"], m))
            for meth in methods:
                for kind in ("pruned", "retrained", "fresh"):
                    risks[meth, kind].append(general_sigma.risk(fits[meth][kind], m))
        risks = {key: np.concatenate(v) for key, v in risks.items()}
        out["dense_sim"][j] = _mean_se(risks["dense"])
        for meth in methods:
            for kind in ("pruned", "retrained", "fresh"):
                out["sim"][meth][kind][j] = _mean_se(risks[meth, kind])
            out["same_vs_fresh"][meth][j] = _ratio_se(risks[meth, "retrained"],
                                                      risks[meth, "fresh"])
    return out
