"""How close the DC is at finite n: theory-simulation gaps as n grows, and their rate.

Theorem 1 of the paper is a limit: n, p -> inf with p/n -> kappa, and the empirical law of
the min-norm coefficients converges in probability to the DC. At a finite n, one simulated
data set deviates from the DC prediction (Def. 4, the finite-p form the book plots). This
module measures that deviation for a family of problems that grows with n at fixed kappa:

* :func:`scaled_example` builds the chapter's running example at sample size n;
* :func:`finite_n_gap` simulates data sets and returns, per data set, the relative gap
  ``simulation / DC - 1`` of the risk and of a few pseudo-Lipschitz test functions of the
  coefficients averaged over groups of features with similar variance lam_i;
* :func:`gap_summary` turns the per-data-set gaps into the root-mean-square gap (the typical
  deviation of one data set) and the mean gap (the systematic part, which averages over data
  sets do not remove), each with its Monte Carlo standard error;
* :func:`convergence_study` runs all of it over a grid of n (fewer data sets at larger n,
  :func:`trial_schedule`);
* :func:`fit_rate` fits ``gap ~ C n^slope`` on log-log axes, with the slope's uncertainty;
* :func:`with_error` prints a value rounded to its uncertainty.

Test functions, with ``w = sqrt(p) beta_hat_i`` and ``b = sqrt(p) beta_i`` (the paper's
scaling, under which both are O(1)): ``w^2``, ``|w|`` and ``w b`` (:data:`TEST_FUNCTIONS`).
Their DC expectations are closed forms of the Gaussian law of eq. (dc): ``m^2 + s^2``, the
folded-normal mean ``s sqrt(2/pi) exp(-m^2/2s^2) + m (1 - 2 Phi(-m/s))``, and ``m b``.
numpy and scipy only.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import ndtr, ndtri

from ... import checks
from .dc import dc_prediction
from .solve import min_norm

TEST_FUNCTIONS = ("w^2", "|w|", "w*b")
"""Names of the coefficient test functions, in the order of the last axis of the gaps."""

CHUNK_ELEMENTS = 2 * 10**7
"""Design entries drawn at once (160 MB of float64): trials are simulated in chunks."""


def _real(name: str, value, low: float, high: float = np.inf, open_low: bool = False) -> float:
    """A finite real number in [low, high] (or (low, high] with ``open_low``)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    ok = ok and (value > low if open_low else value >= low) and value <= high
    if not ok:
        left = "(" if open_low else "["
        raise ValueError(f"{name} must be a real number in {left}{low}, {high}], got {value!r}")
    return float(value)


def scaled_example(n, kappa=3.0, total_ratio=5.0, lam_range=(0.2, 5.0), signal=20.0,
                   sigma=1.0, seed=0):
    """The reduced problem ``(lam, beta, sigma_p)`` of the chapter's running example at size n.

    ``P = round(total_ratio n)`` features with variances spaced log-uniformly in
    ``lam_range``, in random order; coefficients ``beta_i = sqrt(signal / P) q_i`` with
    ``q`` the standard-normal quantiles at (j - 1/2)/P, in an independent random order, so
    ``||beta||^2`` is close to ``signal`` at every n and the empirical law of
    ``(lam_i, sqrt(P) beta_i)`` converges as n grows (the paper's assumption A3). The model
    uses the first ``p = round(kappa n)`` features; the others are folded into the noise,
    ``sigma_p^2 = sigma^2 + sum_{i>p} lam_i beta_i^2`` (exact: they are independent Gaussians).
    """
    n = checks.integer("n", n, 2)
    kappa = _real("kappa", kappa, 1.0, open_low=True)
    p = int(round(kappa * n))
    if p <= n:
        raise ValueError(f"kappa must make p = round(kappa n) > n, got p = {p} at n = {n}")
    total_ratio = _real("total_ratio", total_ratio, kappa)
    lo, hi = (_real("lam_range[0]", lam_range[0], 0.0, open_low=True),
              _real("lam_range[1]", lam_range[1], 0.0, open_low=True))
    if lo > hi:
        raise ValueError(f"lam_range must be (low, high) with low <= high, got {lam_range!r}")
    signal = _real("signal", signal, 0.0)
    sigma = checks.nonnegative("sigma", sigma)
    big_p = int(round(total_ratio * n))
    rng = np.random.default_rng(checks.seed("seed", seed))
    lam = rng.permutation(np.geomspace(lo, hi, big_p))
    quantiles = ndtri((np.arange(big_p) + 0.5) / big_p)
    beta = np.sqrt(signal / big_p) * rng.permutation(quantiles)
    sigma_p = float(np.sqrt(sigma**2 + np.sum(lam[p:] * beta[p:] ** 2)))
    return lam[:p], beta[:p], sigma_p


def lambda_groups(lam, n_groups: int) -> np.ndarray:
    """Group index (0 = smallest variances) of each feature: equal-count groups by rank of lam.

    Ties are broken by index, so the groups are a deterministic function of ``lam``.
    """
    lam = checks.positive_vector("lam", lam)
    n_groups = checks.integer("n_groups", n_groups, 1, lam.size)
    rank = np.empty(lam.size, dtype=int)
    rank[np.argsort(lam, kind="stable")] = np.arange(lam.size)
    return rank * n_groups // lam.size


def _group_mean(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of ``values`` (..., p) over each group of the last axis: shape (..., n_groups)."""
    onehot = (groups[:, None] == np.arange(n_groups)).astype(float)
    return values @ (onehot / onehot.sum(axis=0))


def coefficient_statistics(w: np.ndarray, b: np.ndarray, groups: np.ndarray,
                           n_groups: int) -> np.ndarray:
    """Group averages of the test functions of ``w`` (..., p): shape (..., n_groups, 3)."""
    return np.stack([_group_mean(w**2, groups, n_groups),
                     _group_mean(np.abs(w), groups, n_groups),
                     _group_mean(w * b, groups, n_groups)], axis=-1)


def coefficient_theory(mean: np.ndarray, var: np.ndarray, b: np.ndarray, groups: np.ndarray,
                       n_groups: int) -> np.ndarray:
    """DC expectation of :func:`coefficient_statistics` when ``w_i ~ N(mean_i, var_i)``."""
    sd = np.sqrt(var)
    abs_mean = (sd * np.sqrt(2 / np.pi) * np.exp(-0.5 * (mean / sd) ** 2)
                + mean * (1 - 2 * ndtr(-mean / sd)))
    return np.stack([_group_mean(mean**2 + var, groups, n_groups),
                     _group_mean(abs_mean, groups, n_groups),
                     _group_mean(mean * b, groups, n_groups)], axis=-1)


def finite_n_gap(lam, beta, sigma, n, trials: int = 16, seed: int = 0,
                 n_groups: int = 3) -> dict:
    """Relative gaps ``simulation / DC - 1`` of ``trials`` simulated data sets of size n.

    The problem is a reduced one (all ``p = len(lam) > n`` features are used, ``sigma`` is
    the effective noise level). Returns a dict with ``risk`` (trials,): the population risk
    of the min-norm solution over the DC risk tau^2, minus one; ``coef`` (trials, n_groups,
    3): the group averages of :data:`TEST_FUNCTIONS` over their DC expectations, minus one,
    for equal-count groups of lam (:func:`lambda_groups`); and the predictions ``tau2`` and
    ``coef_theory`` (n_groups, 3).
    """
    lam = checks.positive_vector("lam", lam)
    beta = checks.finite_vector("beta", beta, lam.size)
    sigma = checks.nonnegative("sigma", sigma)
    n = checks.integer("n", n, 1)
    p = lam.size
    if p <= n:
        raise ValueError(f"len(lam) must be in [n + 1, inf) = [{n + 1}, inf) (the DC of the "
                         f"over-parameterized side), got {p}")
    trials = checks.integer("trials", trials, 2)
    n_groups = checks.integer("n_groups", n_groups, 1, p)
    rng = np.random.default_rng(checks.seed("seed", seed))
    mean, var, tau2 = dc_prediction(lam, beta, sigma, n)
    groups = lambda_groups(lam, n_groups)
    scale = np.sqrt(p)
    theory = coefficient_theory(scale * mean, p * var, scale * beta, groups, n_groups)
    risks, stats = [], []
    chunk = max(1, min(trials, CHUNK_ELEMENTS // (n * p)))
    for start in range(0, trials, chunk):
        m = min(chunk, trials - start)
        X = rng.standard_normal((m, n, p)) * np.sqrt(lam)
        y = X @ beta + sigma * rng.standard_normal((m, n))
        beta_hat = min_norm(X, y)
        risks.append(sigma**2 + np.sum(lam * (beta_hat - beta) ** 2, axis=-1))
        stats.append(coefficient_statistics(scale * beta_hat, scale * beta, groups, n_groups))
    return {"risk": np.concatenate(risks) / tau2 - 1.0,
            "coef": np.concatenate(stats) / theory - 1.0,
            "tau2": float(tau2), "coef_theory": theory}


def gap_summary(gaps) -> dict:
    """Root-mean-square and mean of per-data-set gaps (axis 0), with standard errors.

    ``rms = sqrt(mean(g^2))`` is the typical gap of one data set, what Theorem 1 (a
    convergence in probability) sends to zero; its standard error is the delta-method one,
    ``se(mean g^2) / (2 rms)``. ``mean`` is the systematic part, the gap left in an average
    over many data sets; ``mean_se`` its standard error.
    """
    g = np.asarray(gaps, dtype=float)
    if g.ndim < 1 or g.shape[0] < 2 or not np.all(np.isfinite(g)):
        raise ValueError(f"gaps must be finite with at least 2 rows (data sets) on axis 0, "
                         f"got shape {g.shape}")
    t = g.shape[0]
    sq = g**2
    rms = np.sqrt(sq.mean(axis=0))
    rms_se = sq.std(axis=0, ddof=1) / np.sqrt(t) / (2 * np.maximum(rms, 1e-300))
    return {"rms": rms, "rms_se": rms_se, "mean": g.mean(axis=0),
            "mean_se": g.std(axis=0, ddof=1) / np.sqrt(t)}


def trial_schedule(ns, trials_at_max: int) -> np.ndarray:
    """Data sets per n: ``trials_at_max (max(ns) / n)^(3/2)``, rounded, at least 2.

    The cost of one data set grows like n^3 (the n x n Gram system of a p = kappa n design),
    so this keeps the cost of the small n below that of the largest while their Monte Carlo
    errors shrink; the relative error of an rms gap over T data sets is about 1/sqrt(2T).
    """
    ns = np.asarray([checks.integer("n", v, 2) for v in np.atleast_1d(ns).tolist()])
    trials_at_max = checks.integer("trials_at_max", trials_at_max, 2)
    return np.maximum(2, np.round(trials_at_max * (ns.max() / ns) ** 1.5)).astype(int)


def convergence_study(ns, kappa=3.0, trials_at_max: int = 16, n_groups: int = 3,
                      seed: int = 0, **example) -> dict:
    """:func:`finite_n_gap` on :func:`scaled_example` for every n of ``ns``, summarised.

    ``example`` passes the shape of the problem (``total_ratio``, ``lam_range``, ``signal``,
    ``sigma``) to :func:`scaled_example`. Each n gets its own seeds (derived from ``seed``
    and n), so the gaps at different n are independent. Returns ``ns``, ``trials``,
    ``tau2`` (len(ns),), ``risk`` and ``coef`` (the :func:`gap_summary` of each n stacked:
    arrays (len(ns),) and (len(ns), n_groups, 3)), and ``coef_pooled``: the summary of the
    per-data-set gap ``sqrt(mean over groups of gap^2)`` of each test function,
    arrays (len(ns), 3).
    """
    seed = checks.seed("seed", seed)
    trials = trial_schedule(ns, trials_at_max)
    ns = np.asarray(np.atleast_1d(ns), dtype=int)
    if np.unique(ns).size != ns.size:
        raise ValueError(f"ns must hold distinct sample sizes, got {ns.tolist()!r}")
    rows = []
    for n, t in zip(ns.tolist(), trials.tolist(), strict=True):
        base = 4 * (seed * 100_003 + n)  # distinct streams for every (seed, n)
        lam, beta, sigma_p = scaled_example(n, kappa, seed=base, **example)
        gap = finite_n_gap(lam, beta, sigma_p, n, trials=t, seed=base + 1, n_groups=n_groups)
        pooled = np.sqrt(np.mean(gap["coef"] ** 2, axis=1))
        rows.append((gap["tau2"], gap_summary(gap["risk"]), gap_summary(gap["coef"]),
                     gap_summary(pooled)))

    def stack(j):
        return {key: np.stack([row[j][key] for row in rows]) for key in rows[0][j]}

    return {"ns": ns, "trials": trials, "tau2": np.array([row[0] for row in rows]),
            "risk": stack(1), "coef": stack(2), "coef_pooled": stack(3)}


def fit_rate(ns, gaps, errors) -> dict:
    """Fit ``gap = C n^slope`` by weighted least squares of log(gap) on log(n).

    ``errors`` are standard errors of ``gaps``; on the log scale they are ``errors / gaps``.
    Returns ``slope``, ``slope_se``, ``log_c`` and ``chi2_dof`` (reduced chi-square). The
    slope's standard error is scaled up by ``sqrt(chi2_dof)`` when that exceeds one, so a
    power law that does not fit the points within their errors gets a wider uncertainty.
    """
    ns, gaps, errors = (np.asarray(a, dtype=float) for a in (ns, gaps, errors))
    if ns.ndim != 1 or ns.size < 3:
        raise ValueError(f"ns must be a 1-D sequence of at least 3 sample sizes, "
                         f"got shape {ns.shape}")
    for name, arr in (("gaps", gaps), ("errors", errors)):
        if arr.shape != ns.shape:
            raise ValueError(f"{name} must have the shape of ns, {ns.shape}, got {arr.shape}")
    for name, arr in (("ns", ns), ("gaps", gaps), ("errors", errors)):
        if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise ValueError(f"{name} must have entries in (0, inf), got {arr.tolist()!r}")
    if np.unique(ns).size < 2:
        raise ValueError(f"ns must hold at least 2 distinct sample sizes, got {ns.tolist()!r}")
    x, yv, sd = np.log(ns), np.log(gaps), errors / gaps
    weight = 1.0 / sd**2
    design = np.stack([np.ones_like(x), x], axis=1)
    normal = design.T @ (design * weight[:, None])
    coef = np.linalg.solve(normal, design.T @ (weight * yv))
    cov = np.linalg.inv(normal)
    chi2_dof = float(np.sum(weight * (yv - design @ coef) ** 2) / (ns.size - 2))
    inflate = max(1.0, chi2_dof)
    return {"slope": float(coef[1]), "slope_se": float(np.sqrt(cov[1, 1] * inflate)),
            "log_c": float(coef[0]), "chi2_dof": chi2_dof}


def with_error(value, error) -> str:
    """``value ± error`` rounded to the error: one significant digit (two if it starts with 1).

    For example ``with_error(-0.4987, 0.0432) == "-0.50 ± 0.04"``.
    """
    value = _real("value", value, -np.inf)
    error = _real("error", error, 0.0, open_low=True)
    exponent = int(np.floor(np.log10(error)))
    if round(error / 10.0**exponent) < 2:  # leading digit 1: keep a second digit
        exponent -= 1
    digits = max(0, -exponent)
    step = 10.0**exponent
    v, e = round(value / step) * step, round(error / step) * step
    if v == 0:
        v = 0.0  # no "-0.0"
    return f"{v:.{digits}f} ± {e:.{digits}f}"
