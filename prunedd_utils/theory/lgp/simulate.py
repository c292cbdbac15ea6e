"""Monte Carlo simulator of train-prune-retrain on diagonal linear Gaussian problems.

One call draws ``trials`` data sets of n samples with all P features, then for every p
trains min-norm least squares on the first p features, prunes it (magnitude, Hessian with the
empirical diagonal ``diag(X_p^T X_p)/n``, oracle), and refits on the kept features with the
same sample and with a fresh one. The same draws serve every p (common random numbers), so
the curves are smooth while each marker keeps the right distribution. Risks are exact
population risks ``sigma^2 + sum_i lam_i (theta_i - beta_i)^2``: no test set is sampled.
"""

from __future__ import annotations

import numpy as np

from ... import checks
from .risk import METHODS, check_grid, oracle_order
from .solve import min_norm

PRUNERS = ("magnitude", "hessian", "oracle")

MEMORY_BUDGET = 2 * 2**30
"""Bytes allowed for the arrays of one chunk of trials (2 GiB). A chunk holds at least one
trial, so problems whose single trial exceeds this are refused before anything is drawn."""


def trial_bytes(n: int, big_p: int, p_max: int, s: int | None) -> int:
    """Bytes of the float64 arrays one trial needs at its peak, for the memory guard.

    The design (n x P), the contiguous copy of its first p columns and their squares for the
    Hessian score (2 n p), the kept-column designs of the two refits (2 n s) and the Gram
    matrix of the solver (min(n, p)^2).
    """
    k = 0 if s is None else min(s, p_max)
    return 8 * (n * big_p + 2 * n * p_max + 2 * n * k + min(n, p_max) ** 2)


def _risk(theta: np.ndarray, lam: np.ndarray, beta: np.ndarray, sig2: float) -> np.ndarray:
    """Population risk of a batch of vectors on the first k features; the rest count as noise."""
    k = theta.shape[-1]
    return sig2 + np.sum(lam[:k] * (theta - beta[:k]) ** 2, axis=-1)


def _top(score: np.ndarray, s: int) -> np.ndarray:
    """Indices of the s largest scores of each row (sorted, for reproducible gathers)."""
    return np.sort(np.argpartition(-score, s - 1, axis=-1)[..., :s], axis=-1)


def _one_p(X, y, lam, beta, sigma, n, p, s, oracle_kept, rng_fresh) -> dict[str, np.ndarray]:
    Xp = np.ascontiguousarray(X[..., :p])
    sig2_p = sigma**2 + float(np.sum(lam[p:] * beta[p:] ** 2))
    theta = min_norm(Xp, y)
    out = {"dense": _risk(theta, lam, beta, sig2_p)}
    if s is None:
        return out
    k = min(s, p)
    trials = X.shape[0]
    energy = lam * beta**2
    scores = {
        "magnitude": np.abs(theta),
        "hessian": np.sum(Xp**2, axis=-2) / n * theta**2,
    }
    for name in PRUNERS:
        if name == "oracle":
            kept = np.broadcast_to(np.sort(oracle_kept[p][:k]), (trials, k))
        else:
            kept = _top(scores[name], k)
        mask = np.zeros_like(theta, dtype=bool)
        np.put_along_axis(mask, kept, True, axis=-1)
        out[name] = _risk(np.where(mask, theta, 0.0), lam, beta, sig2_p)
        # Refit on the kept columns: same sample, then a fresh one. In the fresh sample only
        # the kept columns are drawn; everything else is independent noise of variance sigma_S^2.
        lam_s, beta_s = lam[kept], beta[kept]
        sig2_s = sigma**2 + energy.sum() - np.sum(energy[kept], axis=-1)
        XS = np.take_along_axis(Xp, kept[:, None, :], axis=-1)
        theta_s = min_norm(XS, y)
        out[f"{name}_rt"] = sig2_s + np.sum(lam_s * (theta_s - beta_s) ** 2, axis=-1)
        XF = rng_fresh.standard_normal((trials, n, k)) * np.sqrt(lam_s)[:, None, :]
        yF = np.einsum("tnk,tk->tn", XF, beta_s) + np.sqrt(sig2_s)[:, None] * \
            rng_fresh.standard_normal((trials, n))
        theta_f = min_norm(XF, yF)
        out[f"{name}_rt_fresh"] = sig2_s + np.sum(lam_s * (theta_f - beta_s) ** 2, axis=-1)
    return out


def simulate_curve(lam, beta, sigma, n, ps, s=None, trials: int = 20, seed: int = 0,
                   ) -> dict[str, np.ndarray]:
    """Per-trial population risks for every p in ``ps``: a dict of arrays (len(ps), trials).

    Keys: ``dense``, and with ``s`` given, ``<m>``, ``<m>_rt`` (same-sample retraining) and
    ``<m>_rt_fresh`` for m in magnitude, hessian, oracle. Trials are processed in chunks of
    bounded memory; the chunking depends only on (n, P), so results depend only on ``seed``.
    """
    lam, beta, sigma, n, ps_list = check_grid(lam, beta, sigma, n, ps)
    big_p = lam.size
    if s is not None:
        s = checks.integer("s", s, 1)
    trials = checks.integer("trials", trials, 2)
    seed = checks.seed("seed", seed)
    p_max = max(ps_list)
    checks.memory("n", n, trial_bytes(n, big_p, p_max, s), MEMORY_BUDGET,
                  f"one simulated trial (n samples x P = {big_p} features, largest p = "
                  f"{p_max}, s = {s})")

    rank = oracle_order(lam, beta)
    oracle_kept = {p: np.argsort(rank[:p], kind="stable") for p in set(ps_list)}
    rng = np.random.default_rng(seed)
    chunk = max(1, min(trials, int(2e7 // (n * big_p))))
    parts: list[list[dict[str, np.ndarray]]] = []
    for start in range(0, trials, chunk):
        m = min(chunk, trials - start)
        X = rng.standard_normal((m, n, big_p)) * np.sqrt(lam)
        y = X @ beta + sigma * rng.standard_normal((m, n))
        parts.append([_one_p(X, y, lam, beta, sigma, n, p, s, oracle_kept, rng)
                      for p in ps_list])
    keys = parts[0][0].keys()
    return {key: np.stack([np.concatenate([part[j][key] for part in parts])
                           for j in range(len(ps_list))]) for key in keys}


def empirical_risk(lam, beta, sigma, n, p, s=None, method="dense", retrain=False,
                   fresh=False, trials=20, seed=0) -> tuple[float, float]:
    """Mean population risk over ``trials`` simulated data sets, and its standard error.

    Same arguments as :func:`prunedd_utils.theory.lgp.theory_risk`; ``fresh=True`` retrains on a
    new sample of size n (the setting of the retraining DC), ``fresh=False`` on the same one.
    """
    if method not in METHODS:
        raise ValueError(f"method must be in {METHODS}, got {method!r}")
    if method != "dense" and s is None:
        raise ValueError(f"s must be an integer in [1, inf) for method={method!r}, got None")
    for name, flag in (("retrain", retrain), ("fresh", fresh)):
        if not isinstance(flag, bool):
            raise ValueError(f"{name} must be in (True, False), got {flag!r}")
    if fresh and not retrain:
        raise ValueError("fresh must be in (False,) when retrain=False, got True")
    runs = simulate_curve(lam, beta, sigma, n, [p], s if method != "dense" else None,
                          trials=trials, seed=seed)
    key = method
    if method != "dense" and retrain:
        key += "_rt_fresh" if fresh else "_rt"
    values = runs[key][0]
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))
