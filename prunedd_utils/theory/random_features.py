"""ReLU random features of Gaussian inputs with the quadratic target ``y = (u^T x)^2``.

Holds the feature map, the second moments of ``(phi(x), y)`` in closed form (the order-1
arc-cosine kernel of Cho and Saul) and by Monte Carlo, and the simulation of random-feature
regression followed by pruning and retraining. The *equivalent linear Gaussian problem*
(the paper's Def. 2) is :class:`prunedd_utils.theory.general_sigma.Moments` built from these
moments.
"""

from __future__ import annotations

import numpy as np

from .. import checks
from . import general_sigma, lgp


def _check_W_u(W: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    W = np.asarray(W, dtype=float)
    u = np.asarray(u, dtype=float)
    if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < 1:
        raise ValueError(f"W must be a 2-d array of shape (p, d) with p, d >= 1, got {W.shape}")
    if not np.all(np.isfinite(W)) or np.any(np.linalg.norm(W, axis=1) == 0):
        raise ValueError("W must be finite with non-zero rows, got a zero or non-finite row")
    if u.shape != (W.shape[1],):
        raise ValueError(f"u must be a vector of length d={W.shape[1]}, got shape {u.shape}")
    if not np.isclose(np.linalg.norm(u), 1.0, atol=1e-8):
        raise ValueError(f"u must have unit norm (in [1-1e-8, 1+1e-8]), got {np.linalg.norm(u)}")
    return W, u


def draw_problem(d: int, p: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw the input layer ``W`` (p x d, entries N(0, 1/d)) and a uniform unit vector ``u``."""
    d = checks.integer("d", d, 1)
    p = checks.integer("p", p, 1)
    rng = checks.generator("rng", rng)
    W = rng.standard_normal((p, d)) / np.sqrt(d)
    u = rng.standard_normal(d)
    return W, u / np.linalg.norm(u)


def relu_features(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    """ReLU random features ``phi(x) = max(Wx, 0)`` of inputs ``x`` (..., d) -> (..., p)."""
    x = np.asarray(x, dtype=float)
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or x.shape[-1:] != W.shape[1:]:
        raise ValueError(f"x must end with the input dimension d={W.shape[-1]}, got {x.shape}")
    return np.maximum(x @ W.T, 0.0)


def sample_data(
    W: np.ndarray, u: np.ndarray, n: int, rng: np.random.Generator, batch: tuple[int, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` inputs x ~ N(0, I_d); return features (*batch, n, p) and labels (u^T x)^2."""
    W, u = _check_W_u(W, u)
    n = checks.integer("n", n, 1)
    rng = checks.generator("rng", rng)
    x = rng.standard_normal((*batch, n, W.shape[1]))
    return relu_features(x, W), (x @ u) ** 2


def relu_moments(W: np.ndarray, u: np.ndarray) -> general_sigma.Moments:
    """Exact second moments of ReLU features with target ``(u^T x)^2``, x ~ N(0, I_d).

    With r_i = |w_i|, cos(t_ij) = w_i.w_j / (r_i r_j) and rho_j = w_j.u / r_j (spec §7):
    Sigma_ij = r_i r_j (sin t_ij + (pi - t_ij) cos t_ij) / (2 pi)  (order-1 arc-cosine kernel),
    b_j = E[relu(w_j.x) (u.x)^2] = r_j (1 + rho_j^2) / sqrt(2 pi), and E y^2 = E g^4 = 3.
    """
    W, u = _check_W_u(W, u)
    r = np.linalg.norm(W, axis=1)
    cos = np.clip((W @ W.T) / np.outer(r, r), -1.0, 1.0)
    t = np.arccos(cos)
    sigma = np.outer(r, r) * (np.sin(t) + (np.pi - t) * cos) / (2 * np.pi)
    sigma = (sigma + sigma.T) / 2
    rho = (W @ u) / r
    b = r * (1 + rho**2) / np.sqrt(2 * np.pi)
    return general_sigma.Moments(sigma, b, 3.0)


def relu_moments_mc(
    W: np.ndarray, u: np.ndarray, samples: int, rng: np.random.Generator, chunk: int = 100_000
) -> general_sigma.Moments:
    """Monte Carlo estimate of :func:`relu_moments` from ``samples`` fresh inputs (a check)."""
    W, u = _check_W_u(W, u)
    samples = checks.integer("samples", samples, 1)
    rng = checks.generator("rng", rng)
    chunk = checks.integer("chunk", chunk, 1)
    p = W.shape[0]
    sigma, b, ey2, done = np.zeros((p, p)), np.zeros(p), 0.0, 0
    while done < samples:
        m = min(chunk, samples - done)
        phi, y = sample_data(W, u, m, rng)
        sigma += phi.T @ phi
        b += phi.T @ y
        ey2 += float(y @ y)
        done += m
    return general_sigma.Moments(sigma / samples, b / samples, ey2 / samples)


def kept_alignment(W: np.ndarray, u: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean squared cosine between the kept features' weights w_j and the target direction u.

    ``mask`` is (..., p) boolean; a uniformly random feature has E cos^2 = 1/d.
    """
    W, u = _check_W_u(W, u)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape[-1] != W.shape[0]:
        raise ValueError(f"mask must end with p={W.shape[0]}, got shape {mask.shape}")
    cos2 = ((W @ u) / np.linalg.norm(W, axis=1)) ** 2
    return (mask * cos2).sum(-1) / np.maximum(mask.sum(-1), 1)


def _grid(name: str, values, low: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size < 1 or not np.issubdtype(arr.dtype, np.integer) or arr.min() < low:
        raise ValueError(f"{name} must be a non-empty list of integers in [{low}, inf), "
                         f"got {values!r}")
    return arr


def experiment(
    d: int,
    n: int,
    p_grid,
    s_grid,
    w_draws: int,
    data_draws: int,
    theory_draws: int,
    seed: int,
    methods: tuple[str, ...] = general_sigma.METHODS,
) -> dict:
    """Random-feature regression against its equivalent-LGP theory, over draws of W.

    For each of ``w_draws`` input layers W (max(p_grid) x d, N(0, 1/d)) and target directions
    u, and each p in ``p_grid`` (the first p features): the theory (Defs. 4-5 on the exact
    equivalent LGP, ``theory_draws`` DC samples) and ``data_draws`` simulated training sets of
    size n, each pruned to every s in ``s_grid`` and retrained on the same and on a fresh
    sample. Risks are exact population risks. Arrays are indexed [w, p] (data draws averaged):
    ``theory[s][method][kind]`` and ``sim[s][method][kind]`` with kind in pruned/retrained
    (and fresh, alignment, best for the simulation), plus ``theory_dense``, ``sim_dense``.
    """
    p_grid = _grid("p_grid", p_grid, 1)
    s_grid = _grid("s_grid", s_grid, 1)
    d = checks.integer("d", d, 1)
    w_draws = checks.integer("w_draws", w_draws, 1)
    data_draws = checks.integer("data_draws", data_draws, 1)
    theory_draws = checks.integer("theory_draws", theory_draws, 2)
    seed = checks.seed("seed", seed)
    if isinstance(methods, str) or not methods or \
            any(k not in general_sigma.METHODS for k in methods):
        raise ValueError(f"methods must be a non-empty tuple of names in "
                         f"{general_sigma.METHODS}, got {methods!r}")
    if not isinstance(n, (int, np.integer)) or n < 3 or n in p_grid:
        raise ValueError(f"n must be an integer in [3, inf) not in p_grid, got {n!r}")
    if np.any(np.isin(s_grid, (n - 1, n))):
        raise ValueError(f"s_grid must avoid n-1 and n (retraining diverges), got {s_grid}")
    rng = np.random.default_rng(seed)
    shape = (w_draws, p_grid.size)
    kinds = ("pruned", "retrained", "fresh", "alignment", "best")
    res: dict = {
        "p": p_grid, "s": s_grid, "theory_dense": np.zeros(shape), "sim_dense": np.zeros(shape),
        "theory": {s: {k: {"pruned": np.zeros(shape), "retrained": np.zeros(shape)}
                       for k in methods} for s in s_grid},
        "sim": {s: {k: {kind: np.zeros(shape) for kind in kinds} for k in methods}
                for s in s_grid},
    }
    for w in range(w_draws):
        W, u = draw_problem(d, int(p_grid.max()), rng)
        full = relu_moments(W, u)
        phi, y = sample_data(W, u, n, rng, batch=(data_draws,))
        phi_f, y_f = sample_data(W, u, n, rng, batch=(data_draws,))
        for j, p in enumerate(p_grid):
            m = full.subset(np.arange(p))
            X, Xf = phi[..., :p], phi_f[..., :p]
            theta = lgp.min_norm(X, y)  # the dense fit, shared by every s
            law = general_sigma.dc_law(m, n)  # the DC law, shared by every s
            res["sim_dense"][w, j] = general_sigma.risk(theta, m).mean()
            res["theory_dense"][w, j] = law.tau2
            for s in s_grid:
                th = general_sigma.pruning_theory(m, n, int(min(s, p)), rng, methods,
                                                  theory_draws, law=law)
                if s >= p:
                    for k in methods:
                        for kind in ("pruned", "retrained"):
                            res["theory"][s][k][kind][w, j] = th["dense"]
                        for kind in ("pruned", "retrained", "fresh"):
                            res["sim"][s][k][kind][w, j] = res["sim_dense"][w, j]
                        res["sim"][s][k]["alignment"][w, j] = kept_alignment(
                            W[:p], u, np.ones(p, bool))
                        res["sim"][s][k]["best"][w, j] = general_sigma.best_on_support(
                            m, np.arange(p))[1]
                    continue
                fits = general_sigma.prune_retrain(X, y, theta, int(s), methods, Xf, y_f)
                for k in methods:
                    for kind in ("pruned", "retrained"):
                        res["theory"][s][k][kind][w, j] = th[k][kind][0]
                    for kind in ("pruned", "retrained", "fresh"):
                        res["sim"][s][k][kind][w, j] = general_sigma.risk(fits[k][kind], m).mean()
                    masks = fits[k]["mask"]
                    res["sim"][s][k]["alignment"][w, j] = kept_alignment(W[:p], u, masks).mean()
                    res["sim"][s][k]["best"][w, j] = np.mean(
                        [general_sigma.best_on_support(m, mask)[1] for mask in masks])
    return res
