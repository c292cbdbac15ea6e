"""ReLU random features of Gaussian inputs with the quadratic target ``y = (u^T x)^2``.

Holds the feature map, the second moments of ``(phi(x), y)`` in closed form (the order-1
arc-cosine kernel of Cho and Saul) and by Monte Carlo, and the simulation of random-feature
regression followed by pruning and retraining. The *equivalent linear Gaussian problem*
(the paper's Def. 2) is :class:`prunedd_utils.theory.general_sigma.Moments` built from these
moments; :func:`gaussian_equivalent_data` samples it, which is the control that separates
the error of the theory from the error of replacing the features by Gaussian ones.
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


def gaussian_equivalent_data(
    m: general_sigma.Moments, n: int, rng: np.random.Generator, batch: tuple[int, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` samples of the equivalent LGP of ``m``: features (*batch, n, p), labels.

    ``(x, y)`` is jointly Gaussian with ``E xx^T = m.cov``, ``E xy = m.b`` and
    ``E y^2 = m.ey2``, i.e. ``x ~ N(0, cov)`` and ``y = x^T beta + sigma z`` of Def. 2. The
    first q columns are then the equivalent LGP of the first q features, just as the first q
    random features are the model with q units. The sampler multiplies standard normals by
    the symmetric square root of the joint (p+1) x (p+1) second-moment matrix
    (:func:`general_sigma.symmetric_root`), which needs no ``cov^{-1} b`` (cov is nearly
    singular for many units of few inputs) and does not depend on the eigenbasis LAPACK
    returns.
    """
    if not isinstance(m, general_sigma.Moments):
        raise ValueError(f"m must be a general_sigma.Moments, got {type(m).__name__}")
    n = checks.integer("n", n, 1)
    rng = checks.generator("rng", rng)
    joint = np.block([[m.cov, m.b[:, None]], [m.b[None, :], np.array([[m.ey2]])]])
    lam, U = np.linalg.eigh(joint)
    # Eigenvalues below 1e-13 of the largest are round-off (many units of few inputs make cov
    # nearly singular); setting them to exactly 0 makes them one repeated eigenvalue, whose
    # eigenvectors, which differ between LAPACK builds, then drop out of the root.
    lam = np.where(lam > 1e-13 * lam[-1], lam, 0.0)
    root = general_sigma.symmetric_root(np.sqrt(lam), U)
    root = (root + root.T) / 2
    z = rng.standard_normal((*batch, n, m.p + 1)) @ root
    return z[..., :-1], z[..., -1]


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


DATA_KINDS = ("relu", "gaussian")
"""Training data of the simulation: the ReLU random features themselves, or Gaussian
features with the same second moments (:func:`gaussian_equivalent_data`, the control)."""


def _theory_point(m, n, s, rng, methods, draws, law, retrain_draws) -> dict:
    """Defs. 4-5 at one (p, s < p): ``{method: {"pruned": risk, "retrained": risk}}``.

    For s < n this is :func:`general_sigma.pruning_theory`. For s > n each support needs its
    own over-parameterized DC (an eigendecomposition of cov_SS), so the retrained risk
    averages only the first ``retrain_draws`` supports (their spread is a few per mille);
    the pruned risk still uses all ``draws`` samples of the law.
    """
    if s < n:
        th = general_sigma.pruning_theory(m, n, s, rng, methods, draws, law=law)
        return {k: {kind: th[k][kind][0] for kind in ("pruned", "retrained")} for k in methods}
    theta = law.sample(draws, rng)
    out = {}
    for k in methods:
        mask = general_sigma.prune_mask(theta, s, k, np.diag(m.cov))
        retrained = [general_sigma.dense_risk(m.subset(S), n) for S in mask[:retrain_draws]]
        out[k] = {"pruned": float(general_sigma.risk(theta * mask, m).mean()),
                  "retrained": float(np.mean(retrained))}
    return out


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
    data: tuple[str, ...] = ("relu",),
    retrain_draws: int = 20,
) -> dict:
    """Random-feature regression against its equivalent-LGP theory, over draws of W.

    For each of ``w_draws`` input layers W (max(p_grid) x d, N(0, 1/d)) and target directions
    u, and each p in ``p_grid`` (the first p features): the theory (Defs. 4-5 on the exact
    equivalent LGP, ``theory_draws`` DC samples, ``retrain_draws`` supports when s > n) and,
    for each data kind in ``data`` (:data:`DATA_KINDS`), ``data_draws`` simulated training sets
    of size n, each pruned to every s in ``s_grid`` and retrained on the same and on a fresh
    sample. Risks are exact population risks. Arrays are indexed [w, p], data draws averaged:

    * ``theory_dense``, ``theory[s][method][kind]`` (kind: pruned, retrained);
    * ``sim_dense[data]``, ``sim[data][s][method][kind]`` (kind: pruned, retrained (same
      sample), fresh, alignment (mean cos^2 of kept units), best (sigma_S^2 of the support));
    * ``sigma2`` (noise level of the equivalent LGP of the first p features) and
      ``norm_cv[w]`` (coefficient of variation of the squared row norms |w_i|^2 of W).

    Every data kind sees the same W, u and theory, so the kinds differ only in their data.
    """
    p_grid = _grid("p_grid", p_grid, 1)
    s_grid = _grid("s_grid", s_grid, 1)
    d = checks.integer("d", d, 1)
    w_draws = checks.integer("w_draws", w_draws, 1)
    data_draws = checks.integer("data_draws", data_draws, 1)
    theory_draws = checks.integer("theory_draws", theory_draws, 2)
    retrain_draws = checks.integer("retrain_draws", retrain_draws, 1)
    seed = checks.seed("seed", seed)
    if isinstance(methods, str) or not methods or \
            any(k not in general_sigma.METHODS for k in methods):
        raise ValueError(f"methods must be a non-empty tuple of names in "
                         f"{general_sigma.METHODS}, got {methods!r}")
    if isinstance(data, str) or not data or len(set(data)) != len(data) or \
            any(k not in DATA_KINDS for k in data):
        raise ValueError(f"data must be a non-empty tuple of distinct names in {DATA_KINDS}, "
                         f"got {data!r}")
    if not isinstance(n, (int, np.integer)) or n < 3 or n in p_grid:
        raise ValueError(f"n must be an integer in [3, inf) not in p_grid, got {n!r}")
    if np.any(np.isin(s_grid, (n - 1, n))):
        raise ValueError(f"s_grid must avoid n-1 and n (retraining diverges), got {s_grid}")
    rng = np.random.default_rng(seed)
    shape = (w_draws, p_grid.size)
    kinds = ("pruned", "retrained", "fresh", "alignment", "best")
    res: dict = {
        "p": p_grid, "s": s_grid, "d": d, "n": n, "data": tuple(data),
        "theory_dense": np.zeros(shape), "sigma2": np.zeros(shape), "norm_cv": np.zeros(w_draws),
        "theory": {s: {k: {"pruned": np.zeros(shape), "retrained": np.zeros(shape)}
                       for k in methods} for s in s_grid},
        "sim_dense": {kind: np.zeros(shape) for kind in data},
        "sim": {kind: {s: {k: {q: np.zeros(shape) for q in kinds} for k in methods}
                       for s in s_grid} for kind in data},
    }
    for w in range(w_draws):
        W, u = draw_problem(d, int(p_grid.max()), rng)
        full = relu_moments(W, u)
        r2 = np.sum(W**2, axis=1)
        res["norm_cv"][w] = r2.std() / r2.mean()
        samples = {}
        for kind in data:  # a training sample and a fresh one per data draw
            if kind == "relu":
                samples[kind] = [sample_data(W, u, n, rng, batch=(data_draws,)) for _ in "tf"]
            else:
                samples[kind] = [gaussian_equivalent_data(full, n, rng, batch=(data_draws,))
                                 for _ in "tf"]
        for j, p in enumerate(p_grid):
            m = full.subset(np.arange(p))
            law = general_sigma.dc_law(m, n)  # the DC law, shared by every s
            res["theory_dense"][w, j] = law.tau2
            res["sigma2"][w, j] = general_sigma.equivalent_lgp(m)[1] ** 2
            theory = {int(s): _theory_point(m, n, int(s), rng, methods, theory_draws, law,
                                            retrain_draws)
                      for s in s_grid if s < p}
            for s in s_grid:
                for k in methods:
                    for kind in ("pruned", "retrained"):
                        res["theory"][s][k][kind][w, j] = theory[s][k][kind] if s < p else law.tau2
            for kind in data:
                (phi, y), (phi_f, y_f) = samples[kind]
                X, Xf = phi[..., :p], phi_f[..., :p]
                theta = lgp.min_norm(X, y)  # the dense fit, shared by every s
                dense = general_sigma.risk(theta, m).mean()
                res["sim_dense"][kind][w, j] = dense
                for s in s_grid:
                    out = res["sim"][kind][s]
                    if s >= p:  # nothing to prune: every pruned model is the dense one
                        for k in methods:
                            for q in ("pruned", "retrained", "fresh"):
                                out[k][q][w, j] = dense
                            out[k]["alignment"][w, j] = kept_alignment(W[:p], u, np.ones(p, bool))
                            out[k]["best"][w, j] = res["sigma2"][w, j]
                        continue
                    fits = general_sigma.prune_retrain(X, y, theta, int(s), methods, Xf, y_f)
                    for k in methods:
                        for q in ("pruned", "retrained", "fresh"):
                            out[k][q][w, j] = general_sigma.risk(fits[k][q], m).mean()
                        masks = fits[k]["mask"]
                        out[k]["alignment"][w, j] = kept_alignment(W[:p], u, masks).mean()
                        out[k]["best"][w, j] = np.mean(
                            [general_sigma.best_on_support(m, mask)[1] for mask in masks])
    return res


def relative_gap(sim, theory, columns=None) -> tuple[np.ndarray, np.ndarray]:
    """Mean over draws of W of ``sim / theory - 1`` and its standard error, per p.

    ``sim`` and ``theory`` are [w, p] arrays of one experiment (same W in each row), so the
    spread over rows holds both the data noise and the variation between draws of W. With
    ``columns`` (a boolean mask or indices over p) each row's gaps are first averaged over
    those columns, and the result is one (mean, se) pair for that range of p.
    """
    sim = np.asarray(sim, dtype=float)
    theory = np.asarray(theory, dtype=float)
    if sim.ndim != 2 or sim.shape != theory.shape or sim.shape[0] < 2:
        raise ValueError(f"sim and theory must be [w, p] arrays of one shape with w in [2, inf),"
                         f" got {sim.shape} and {theory.shape}")
    rel = sim / theory - 1
    if columns is not None:
        cols = np.arange(rel.shape[1])[columns]
        if cols.size == 0:
            raise ValueError("columns must select at least one p, got an empty selection")
        rel = rel[:, cols].mean(1)
    return rel.mean(0), rel.std(0, ddof=1) / np.sqrt(rel.shape[0])


def d_scan(
    d_grid,
    n: int,
    p_grid,
    s_grid,
    w_draws: int,
    data_draws: int,
    theory_draws: int,
    seed: int,
    methods: tuple[str, ...] = ("magnitude",),
) -> dict:
    """:func:`experiment` on ReLU and Gaussian-equivalent data for each input dimension d.

    Returns ``{d: experiment result}``. The weights W ~ N(0, 1/d) keep |w_i|^2 near 1 and the
    target (u^T x)^2 keeps E y^2 = 3 for every d, so what changes with d is how many
    directions the p features are functions of. Each d gets its own seed (``seed + d``).
    """
    d_grid = _grid("d_grid", d_grid, 1)
    seed = checks.seed("seed", seed)
    return {int(d): experiment(int(d), n, p_grid, s_grid, w_draws, data_draws, theory_draws,
                               seed + int(d), methods, DATA_KINDS)
            for d in d_grid}
