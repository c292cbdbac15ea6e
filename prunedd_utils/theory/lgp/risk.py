"""Predicted population risks of train-prune(-retrain) in diagonal linear Gaussian problems.

The model is trained on the first ``p`` of ``P`` independent features (spec section 2): the
unused ones act as extra noise, ``sigma_p^2 = sigma^2 + sum_{i>p} lam_i beta_i^2``, and the
DC of :mod:`.dc` is applied to the reduced problem. Every risk includes ``sigma^2``.

Pruning without retraining (Corollary 1 and its analogues). Each coordinate of the dense
solution is Gaussian, ``X_i ~ N(mu_i, v_i)``, independent across i. A score keeps i when
``|X_i| >= t w_i`` with ``w_i = 1`` (magnitude) or ``w_i = 1/sqrt(lam_i)`` (Hessian, score
``sqrt(lam_i)|X_i|``), and the threshold t solves ``sum_i P(|X_i| >= t w_i) = s`` (the
finite-p form of eq. 15). The risk is ``sigma_p^2 + sum_i E[lam_i (T_{t w_i}(X_i) - beta_i)^2]``,
evaluated in closed form (:func:`threshold_loss`), so no integral is computed numerically.
Oracle pruning keeps the fixed set of the top-s saliencies ``lam_i beta_i^2`` among the
first p features (ties broken by index).

Retraining (Def. 5, fresh samples). Given the kept set S of size s < n - 1, a fresh sample
gives the exact expected risk ``sigma_S^2 (n-1)/(n-s-1)`` with
``sigma_S^2 = sigma^2 + sum_{i not in S} lam_i beta_i^2``. This is linear in the indicators
of S, so its expectation over the random S only needs the keep-probabilities ``pi_i``:
``E sigma_S^2 = sigma_p^2 + sum_{i<=p} (1 - pi_i) lam_i beta_i^2``. The one approximation
(beyond the DC itself) is ``pi_i = P(i in top-s) ~= P(|X_i| >= t w_i)``: the exact top-s set
is replaced by the threshold set whose expected size is s. ``tests/test_lgp_theory.py``
checks it against exact top-s sampling from the DC. For s > n the retrained risk is
nonlinear in S and is averaged over draws of the DC instead (:func:`dc_retrain_risk_mc`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ... import checks
from .dc import dc_prediction_unchecked, least_squares_factor, rescaling

METHODS = ("dense", "magnitude", "hessian", "oracle")


def _norm_pdf(a: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * a * a) / np.sqrt(2.0 * np.pi)


def threshold_loss(lam, mu, var, b, t) -> np.ndarray:
    """Closed form of ``E[lam (T_t(X) - b)^2]`` for ``X ~ N(mu, var)``, ``T_t(x) = x 1{|x|>t}``.

    ``E (X-b)^2 - E[(X-b)^2 1{|X|<=t}] + b^2 P(|X|<=t)``, with the truncated moments of the
    normal written through Phi and phi (broadcasts over all arguments).
    """
    lam, mu, var, b, t = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in
                                                (lam, mu, var, b, t)))
    sd = np.sqrt(np.maximum(var, 1e-300))
    c = mu - b
    a1, a2 = (-t - mu) / sd, (t - mu) / sd
    f1, f2 = _norm_pdf(a1), _norm_pdf(a2)
    mass = ndtr(a2) - ndtr(a1)
    inside = c * c * mass + 2.0 * c * sd * (f1 - f2) + var * (mass - (a2 * f2 - a1 * f1))
    return lam * (c * c + var - inside + b * b * mass)


def keep_probability(mu, var, t) -> np.ndarray:
    """``P(|X| >= t)`` for ``X ~ N(mu, var)``, accurate in both tails."""
    sd = np.sqrt(np.maximum(var, 1e-300))
    return ndtr((mu - t) / sd) + ndtr((-t - mu) / sd)


def solve_threshold(mu, var, weight, s, starts=None, iters: int = 64) -> np.ndarray:
    """Thresholds t with ``sum_i P(|X_i| >= t w_i) = s``, by vectorised bisection.

    ``mu``, ``var``, ``weight`` are flat arrays holding several problems back to back, the
    r-th starting at ``starts[r]`` (one problem if ``starts`` is None); returns one t per
    problem. The count falls from the problem size (> s) at t = 0 to ~0 at ``hi``, so
    bisection on [0, hi] brackets the root to 2^-iters of hi; the upper end is returned.
    """
    mu, var, weight = (np.asarray(a, dtype=float) for a in (mu, var, weight))
    starts = np.zeros(1, dtype=int) if starts is None else np.asarray(starts)
    seg = np.repeat(np.arange(starts.size), np.diff(np.append(starts, mu.size)))
    hi = np.maximum.reduceat((np.abs(mu) + 40.0 * np.sqrt(var)) / weight, starts)
    lo = np.zeros(starts.size)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        count = np.add.reduceat(keep_probability(mu, var, mid[seg] * weight), starts)
        above = count > s
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    # hi keeps at most s in expectation; with continuous laws lo and hi agree to 2^-iters,
    # and with degenerate ones (var = 0, e.g. noiseless data with p < n) hi is the right side
    # of the jump, so coordinates exactly at the old threshold are dropped, not half-kept.
    return hi


def _check_method(method, s, retrain, n) -> int | None:
    if method not in METHODS:
        raise ValueError(f"method must be in {METHODS}, got {method!r}")
    if not isinstance(retrain, bool):
        raise ValueError(f"retrain must be in (True, False), got {retrain!r}")
    if method == "dense":
        if s is not None:
            checks.integer("s", s, 1)
        return None
    if s is None:
        raise ValueError(f"s must be an integer in [1, inf) for method={method!r}, got None")
    s = checks.integer("s", s, 1)
    if retrain and n - 1 <= s <= n:
        raise ValueError(
            f"s must be in [1, n - 2] or [n + 1, inf) = [1, {n - 2}] or [{n + 1}, inf) when "
            f"retrain=True (the retrained least squares diverges near s = n), got {s}"
        )
    return s


def check_grid(lam, beta, sigma, n, ps):
    """Check a problem and its grid of p values (each in [1, P], none equal to n)."""
    lam = checks.positive_vector("lam", lam)
    beta = checks.finite_vector("beta", beta, lam.size)
    sigma = checks.nonnegative("sigma", sigma)
    n = checks.integer("n", n, 1)
    ps_arr = np.atleast_1d(np.asarray(ps))
    if ps_arr.ndim != 1 or ps_arr.size == 0:
        raise ValueError(f"ps must be a non-empty 1-D sequence, got shape {ps_arr.shape}")
    ps_list = [checks.integer("p", q, 1, lam.size) for q in ps_arr.tolist()]
    for q in ps_list:
        if q == n:
            raise ValueError(f"p must be in [1, {lam.size}] and != n = {n}, got {q}")
    return lam, beta, sigma, n, ps_list


def _check_inputs(lam, beta, sigma, n, ps, s, method, retrain):
    lam, beta, sigma, n, ps_list = check_grid(lam, beta, sigma, n, ps)
    s = _check_method(method, s, retrain, n)
    return lam, beta, sigma, n, ps_list, s


def oracle_order(lam: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Rank of each feature by saliency lam beta^2 (0 = most salient; ties by index).

    Oracle pruning of the model on the first p features keeps the s of them with the lowest
    rank: ``np.argsort(oracle_order(lam, beta)[:p], kind="stable")[:s]``.
    """
    order = np.argsort(-(lam * beta**2), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank


def _reduced(lam, beta, sigma, n, p, exact):
    """DC mean, variance, effective noise sigma_p^2 and risk of the model on the first p."""
    sig2 = sigma**2 + float(np.sum(lam[p:] * beta[p:] ** 2))
    mu, var, tau2 = dc_prediction_unchecked(lam[:p], beta[:p], np.sqrt(sig2), n, exact)
    return mu, var, sig2, tau2


def _retrained_dense(lam_s, beta_s, sig2_s, n, exact) -> float:
    """Expected risk of least squares refit on a kept set, fresh sample (Def. 5, given S)."""
    return dc_prediction_unchecked(lam_s, beta_s, np.sqrt(sig2_s), n, exact)[2]


def theory_curve(lam, beta, sigma, n, ps, s=None, method="dense", retrain=False, *,
                 exact: bool = True, draws: int = 400, seed: int = 0) -> np.ndarray:
    """Predicted risks for every p in ``ps`` (see :func:`theory_risk`), thresholds solved jointly.

    ``exact`` picks the finite-n moments for p < n (the book's choice, see :mod:`.dc`);
    ``draws`` and ``seed`` only matter for retraining with s > n (Monte Carlo over the DC).
    Extreme units are rescaled exactly first (:func:`.dc.rescaling`).
    """
    lam, beta, sigma, n, ps, s = _check_inputs(lam, beta, sigma, n, ps, s, method, retrain)
    draws = checks.integer("draws", draws, 1)
    seed = checks.seed("seed", seed)
    kx, ky = rescaling(lam, beta, sigma)
    if kx or ky:  # the same problem in units where lam and the risks are near 1
        lam, beta, sigma = np.ldexp(lam, -2 * kx), np.ldexp(beta, kx - ky), np.ldexp(sigma, -ky)
        out = theory_curve(lam, beta, float(sigma), n, ps, s, method, retrain, exact=exact,
                           draws=draws, seed=seed)
        return np.ldexp(out, 2 * ky)
    out = np.empty(len(ps))
    rank = oracle_order(lam, beta)
    pending = []  # (position, p, mu, var, sig2) of MP/HP problems that need a threshold
    for j, p in enumerate(ps):
        mu, var, sig2, dense = _reduced(lam, beta, sigma, n, p, exact)
        if method == "dense" or s >= p or not np.isfinite(dense):
            out[j] = dense
        elif method == "oracle":
            kept = np.argsort(rank[:p], kind="stable")[:s]
            energy = lam[:p] * beta[:p] ** 2
            lost = float(energy.sum() - energy[kept].sum())
            if retrain:
                out[j] = _retrained_dense(lam[kept], beta[kept], sig2 + lost, n, exact)
            else:
                mask = np.zeros(p, bool)
                mask[kept] = True
                err = np.where(mask, lam[:p] * (var + (mu - beta[:p]) ** 2), energy)
                out[j] = sig2 + float(err.sum())
        elif retrain and s > n:
            out[j] = dc_retrain_risk_mc(lam, beta, sigma, n, p, s, method, draws=draws,
                                        seed=seed, exact=exact)
        else:
            pending.append((j, p, mu, var, sig2))
    if pending:
        _threshold_risks(lam, beta, n, s, method, retrain, exact, pending, out)
    return out


def _threshold_risks(lam, beta, n, s, method, retrain, exact, pending, out) -> None:
    """Fill ``out`` for magnitude/Hessian problems, solving all their thresholds at once."""
    sizes = np.array([item[1] for item in pending])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    mu = np.concatenate([item[2] for item in pending])
    var = np.concatenate([item[3] for item in pending])
    lam_f = np.concatenate([lam[:p] for p in sizes])
    beta_f = np.concatenate([beta[:p] for p in sizes])
    weight = np.ones_like(lam_f) if method == "magnitude" else 1.0 / np.sqrt(lam_f)
    seg = np.repeat(np.arange(sizes.size), sizes)
    cut = solve_threshold(mu, var, weight, s, starts)[seg] * weight
    sig2 = np.array([item[4] for item in pending])
    if retrain:
        lost = np.add.reduceat((1.0 - keep_probability(mu, var, cut)) * lam_f * beta_f**2,
                               starts)
        risks = (sig2 + lost) * least_squares_factor(s, n, exact)
    else:
        risks = sig2 + np.add.reduceat(threshold_loss(lam_f, mu, var, beta_f, cut), starts)
    out[[item[0] for item in pending]] = risks


def theory_risk(lam, beta, sigma, n, p, s=None, method="dense", retrain=False, *,
                exact: bool = True) -> float:
    """Predicted population risk (sigma^2 included) of train-prune(-retrain) on p features.

    ``lam``, ``beta``: length-P arrays (Sigma = diag(lam)); ``n`` samples; ``p`` in [1, P], p != n;
    ``method`` in {"dense", "magnitude", "hessian", "oracle"} keeps ``s`` weights (s >= p prunes
    nothing); ``retrain=True`` gives the fresh-sample retraining DC (Def. 5).
    """
    return float(theory_curve(lam, beta, sigma, n, [p], s, method, retrain, exact=exact)[0])


def dc_retrain_risk_mc(lam, beta, sigma, n, p, s, method, draws: int = 400, seed: int = 0,
                       exact: bool = True) -> float:
    """Def. 5 by Monte Carlo: draw beta_hat from the DC, keep its exact top-s, refit fresh.

    The sampling reference for the keep-probability shortcut of :func:`theory_curve`, and
    its fallback when s > n (then the retrained risk is not linear in the kept set).
    """
    lam, beta, sigma, n, ps, s = _check_inputs(lam, beta, sigma, n, [p], s, method, True)
    if method not in ("magnitude", "hessian"):
        raise ValueError(f"method must be in ('magnitude', 'hessian'), got {method!r}")
    draws = checks.integer("draws", draws, 1)
    seed = checks.seed("seed", seed)
    kx, ky = rescaling(lam, beta, sigma)
    if kx or ky:  # exact change of units, as in theory_curve
        lam, beta, sigma = np.ldexp(lam, -2 * kx), np.ldexp(beta, kx - ky), np.ldexp(sigma, -ky)
        return float(np.ldexp(dc_retrain_risk_mc(lam, beta, float(sigma), n, ps[0], s, method,
                                                 draws, seed, exact), 2 * ky))
    p = ps[0]
    mu, var, sig2, dense = _reduced(lam, beta, sigma, n, p, exact)
    if s >= p:
        return dense
    rng = np.random.default_rng(seed)
    x = mu + np.sqrt(var) * rng.standard_normal((draws, p))
    score = np.abs(x) * (1.0 if method == "magnitude" else np.sqrt(lam[:p]))
    kept = np.argpartition(-score, s - 1, axis=1)[:, :s]
    energy = lam[:p] * beta[:p] ** 2
    total = sig2 + energy.sum()
    risks = [_retrained_dense(lam[k], beta[k], total - energy[k].sum(), n, exact) for k in kept]
    return float(np.mean(risks))
