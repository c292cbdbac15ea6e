"""The distributional characterization (DC) of min-norm least squares, diagonal covariance.

All functions take the *reduced* problem of the spec's section 2: ``lam`` and ``beta`` are
the eigenvalues and coefficients of the ``p`` features the model uses, ``sigma`` is the
effective noise level (unused features included), ``n`` the sample size.

Over-parameterized side (p > n, Def. 4): the implicit ridge level zeta solves
``sum_i lam_i / (lam_i + zeta) = n`` (zeta = 1/xi of the paper's eq. 8) and

    tau^2 = (sigma^2 + sum_i zeta^2 lam_i beta_i^2 / (lam_i + zeta)^2)
            / (1 - sum_i lam_i^2 / (lam_i + zeta)^2 / n)              (gamma of eq. 9),
    beta_hat_i ~ N(lam_i beta_i / (lam_i + zeta), tau^2 lam_i / (n (lam_i + zeta)^2)).

Under-parameterized side (p < n): beta_hat is unbiased. The book uses the *exact*
finite-n moments of Gaussian designs by default (``exact=True``):
``E risk = sigma^2 (n - 1) / (n - p - 1)`` and ``Var beta_hat_i = sigma^2 / ((n - p - 1) lam_i)``;
``exact=False`` gives the asymptotic DC, ``sigma^2 n / (n - p)`` and ``sigma^2 / ((n - p) lam_i)``.
For p > n no exact finite-n formula exists for general diagonal covariance, so Def. 4 is used.

Units. The public functions accept any scale of lam (feature variances) and of the labels:
scales outside [2^-64, 2^64] are brought near 1 by exact powers of two before the formulas
run (:func:`rescaling`), so ``lam * 1e200`` gives the same answer in the new units instead of
an overflow; problems already in that range are computed exactly as given.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ... import checks


def _check_problem(lam, beta, sigma, n) -> tuple[np.ndarray, np.ndarray, float, int]:
    lam = checks.positive_vector("lam", lam)
    beta = checks.finite_vector("beta", beta, lam.size)
    sigma = checks.nonnegative("sigma", sigma)
    n = checks.integer("n", n, 1)
    if lam.size == n:
        raise ValueError(
            f"len(lam) must be in [1, n - 1] or [n + 1, inf) (p = n is the interpolation "
            f"threshold, where the risk diverges), got p = n = {n}"
        )
    return lam, beta, sigma, n


_SAFE_EXPONENT = 64
"""Scales within [2^-64, 2^64] are used as given (see :func:`rescaling`)."""


def _half_exponent(log2_scale: float) -> int:
    """k such that ``2^log2_scale * 4^-k`` is near 1, or 0 when already in the safe range."""
    if not np.isfinite(log2_scale) or abs(log2_scale) <= _SAFE_EXPONENT:
        return 0
    return int(np.floor(log2_scale / 2))


def rescaling(lam: np.ndarray, beta: np.ndarray, sigma: float) -> tuple[int, int]:
    """Exponents (kx, ky) of the exact change of units ``x -> x 2^-kx``, ``y -> y 2^-ky``.

    The problem becomes ``lam 4^-kx``, ``beta 2^(kx-ky)``, ``sigma 2^-ky`` with max(lam) and the
    label scale max(sigma^2, max_i lam_i beta_i^2) near 1; weights then scale by 2^(kx-ky),
    variances of weights by 4^(kx-ky), risks by 4^-ky and zeta by 4^-kx. Both are 0 (nothing
    changes) for scales within [2^-64, 2^64]. ``lam`` must be checked (positive) already.
    """
    kx = _half_exponent(float(np.log2(lam.max())))
    with np.errstate(divide="ignore"):  # log2(0) = -inf for zero coefficients or noise
        signal = float(np.max(np.log2(lam) + 2 * np.log2(np.abs(beta)), initial=-np.inf))
        label = max(2 * float(np.log2(sigma)), signal)  # log2 of the label scale y^2
    return kx, _half_exponent(label)


def _zeta(lam: np.ndarray, n: int) -> float:
    """Root of sum lam/(lam+zeta) = n; solved in log zeta so tiny roots keep full precision."""

    def excess(log_zeta: float) -> float:
        return float(np.sum(lam / (lam + np.exp(log_zeta)))) - n

    # The sum falls from p > n (zeta -> 0) to below n/2 at zeta = 2 sum(lam)/n + max(lam).
    lo = np.log(1e-15 * lam.min())
    hi = np.log(2.0 * lam.sum() / n + lam.max())
    return float(np.exp(brentq(excess, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)))


def solve_zeta(lam, n) -> float:
    """Implicit ridge level zeta > 0 of min-norm interpolation: sum_i lam_i/(lam_i+zeta) = n.

    Needs p = len(lam) > n; the paper's xi (eq. 8) is 1/zeta.
    """
    lam = checks.positive_vector("lam", lam)
    n = checks.integer("n", n, 1)
    if lam.size <= n:
        raise ValueError(f"len(lam) must be in [n + 1, inf) = [{n + 1}, inf), got {lam.size}")
    kx = _half_exponent(float(np.log2(lam.max())))
    return float(np.ldexp(_zeta(np.ldexp(lam, -2 * kx), n), 2 * kx))


def _tau2_over(lam: np.ndarray, beta: np.ndarray, sigma: float, n: int, zeta: float) -> float:
    shrink = lam / (lam + zeta)
    num = sigma**2 + np.sum((1.0 - shrink) ** 2 * lam * beta**2)
    den = 1.0 - np.sum(shrink**2) / n
    return float(num / den)


def least_squares_factor(p: int, n: int, exact: bool = True) -> float:
    """Risk / sigma^2 of least squares with p < n features: (n-1)/(n-p-1) or n/(n-p).

    The exact form holds for Gaussian designs (infinite at p = n - 1); ``exact=False`` gives
    the asymptotic DC.
    """
    if exact:
        return (n - 1) / (n - p - 1) if p < n - 1 else np.inf
    return n / (n - p)


def dc_prediction_unchecked(lam, beta, sigma, n, exact) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`dc_prediction` without the argument checks, for callers that already made them.

    ``lam`` and ``beta`` are float arrays of one length p != n with ``lam > 0``, ``sigma >= 0``
    a float and ``n >= 1`` an int; returns the DC mean, variance and risk tau^2 (one
    fixed-point solve).
    """
    p = lam.size
    if p < n:
        dof = (n - p - 1) if exact else (n - p)
        var = sigma**2 / (dof * lam) if dof > 0 else np.full(p, np.inf)
        return beta.copy(), var, sigma**2 * least_squares_factor(p, n, exact)
    zeta = _zeta(lam, n)
    tau2 = _tau2_over(lam, beta, sigma, n, zeta)
    return lam * beta / (lam + zeta), tau2 * lam / (n * (lam + zeta) ** 2), tau2


def dc_prediction(lam, beta, sigma, n, exact: bool = True):
    """The whole DC prediction at once: per-coordinate mean and variance, and the risk tau^2.

    The same numbers as :func:`dc_moments` and :func:`dense_tau2` with one solve of the
    fixed point instead of two.
    """
    lam, beta, sigma, n = _check_problem(lam, beta, sigma, n)
    kx, ky = rescaling(lam, beta, sigma)
    if kx == 0 and ky == 0:
        return dc_prediction_unchecked(lam, beta, sigma, n, exact)
    mean, var, tau2 = dc_prediction_unchecked(
        np.ldexp(lam, -2 * kx), np.ldexp(beta, kx - ky), float(np.ldexp(sigma, -ky)), n, exact)
    return (np.ldexp(mean, ky - kx), np.ldexp(var, 2 * (ky - kx)),
            float(np.ldexp(tau2, 2 * ky)))


def dense_tau2(lam, beta, sigma, n, exact: bool = True) -> float:
    """Predicted test risk tau^2 (sigma^2 included) of min-norm least squares.

    p < n: ``sigma^2 (n-1)/(n-p-1)`` (exact for Gaussian designs; infinite at p = n-1) or,
    with ``exact=False``, the asymptotic ``sigma^2 n/(n-p)``. p > n: Def. 4 (eq. 9).
    """
    return float(dc_prediction(lam, beta, sigma, n, exact)[2])


def dc_moments(lam, beta, sigma, n, exact: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Per-coordinate mean and variance of the DC's Gaussian law of beta_hat.

    p > n: shrunk mean ``lam beta/(lam+zeta)``, variance ``tau^2 lam/(n (lam+zeta)^2)``.
    p < n: mean ``beta``, variance ``sigma^2/((n-p-1) lam)`` (exact; the true marginal is a
    scaled Student t with n-p+1 degrees of freedom) or ``sigma^2/((n-p) lam)`` (asymptotic).
    """
    mean, var, _ = dc_prediction(lam, beta, sigma, n, exact)
    return mean, var
