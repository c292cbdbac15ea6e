"""Linear Gaussian problems with a general (non-diagonal) covariance: Defs. 2, 4 and 5.

A problem is given by its second moments (:class:`Moments`): ``cov = E[x x^T]``,
``b = E[x y]`` and ``ey2 = E[y^2]``. This covers an LGP ``y = x^T beta + sigma z``
(``b = cov beta``, ``ey2 = sigma^2 + beta^T cov beta``, see :func:`lgp_moments`) and the
equivalent LGP of a random-feature model (Def. 2), whose ``beta = cov^{-1} b`` is never
needed explicitly where it would be ill-conditioned.

The theory (Def. 4) is the diagonal theory of :mod:`prunedd_utils.theory.lgp` applied in the
eigenbasis ``cov = U diag(lam) U^T`` to ``beta_bar = U^T beta``, then rotated back. For
``p < n`` it uses the lgp module's default, the *exact* finite-n moments of Gaussian designs
(risk ``sigma^2 (n-1)/(n-p-1)``); ``exact=False`` switches every call to the asymptotic DC.
Pruning couples the coordinates once ``cov`` is not diagonal, so pruned and retrained risks
have no closed form here: they are averages over draws from the predicted Gaussian law.

For a non-diagonal cov the pruned prediction is a heuristic: the paper's Theorem 1 covers the
empirical law of the coordinates only for a diagonal cov, and Def. 4 applies the rotated law
jointly to coordinates that pruning treats one by one. Chapter 03 measures its accuracy.

Every sampler here draws through a symmetric square root (:func:`symmetric_root`), never
through the eigenbasis itself, so seeded draws are the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import checks
from . import lgp

METHODS = ("magnitude", "hessian")
"""Pruning scores: |theta_i| (magnitude) and H_ii theta_i^2 (Hessian, Optimal Brain Damage)."""

_EIG_FLOOR = 1e-13
"""Eigenvalues below this fraction of the largest are treated as round-off (see rotate)."""

SYMMETRY_RTOL = 1e-10
"""``cov`` counts as symmetric when ``max|cov - cov^T| <= SYMMETRY_RTOL * max|cov|``."""

PSD_RTOL = 1e-10
"""Eigenvalues of ``cov`` down to ``-PSD_RTOL * (max eigenvalue)`` are round-off of a
positive semidefinite matrix (they are floored, see :func:`rotate`); a more negative one
means ``cov`` is not a covariance, and :class:`Moments` refuses it."""

NOISE_RTOL = 1e-8
"""The implied noise level ``sigma^2 = ey2 - b^T cov^{-1} b`` may be negative by round-off
only: :class:`Moments` refuses moments whose sigma^2 is below ``-NOISE_RTOL * ey2`` even
after every eigenvalue of cov is raised by its round-off bound (see :func:`_check_noise`)."""

_SAFE_EXPONENT = 64
"""Scales within [2^-64, 2^64] are used as given; others are brought near 1 by a power of 2
(exact in floating point) before the theory runs, so extreme units neither overflow nor
underflow, and the numbers of ordinary problems stay bit for bit what they were."""


def _method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be in {METHODS}, got {method!r}")
    return method


def _half_exponent(scale: float) -> int:
    """k such that ``scale * 4**-k`` is near 1, or 0 when scale is in the safe range."""
    if scale == 0 or 2.0**-_SAFE_EXPONENT <= scale <= 2.0**_SAFE_EXPONENT:
        return 0
    return int(np.frexp(scale)[1]) // 2


def _check_noise(lam: np.ndarray, U: np.ndarray, b: np.ndarray, ey2: float) -> None:
    """Refuse moments whose implied noise level is negative beyond round-off.

    ``lam``, ``U`` is the computed eigen-decomposition of cov; it is exact for a matrix
    within ``delta = 10 p eps lam_max`` of cov (LAPACK's backward error), so
    ``b^T cov^{-1} b >= sum_i (U^T b)_i^2 / (max(lam_i, floor) + delta)``. If even that lower
    bound exceeds ey2 by more than ``NOISE_RTOL * ey2``, no covariance consistent with the
    computed one makes the moments valid.
    """
    delta = 10 * lam.size * np.finfo(float).eps * lam[-1]
    floor = np.maximum(lam, _EIG_FLOOR * lam[-1]) + delta
    explained = float(np.sum((U.T @ b) ** 2 / floor))
    if ey2 - explained < -NOISE_RTOL * ey2:
        raise ValueError(
            f"ey2 must be at least b^T cov^{{-1}} b (the implied noise level sigma^2 = "
            f"ey2 - b^T cov^{{-1}} b must be in [0, inf), up to round-off of {NOISE_RTOL:g} * "
            f"ey2), i.e. ey2 in [{explained:.6g}, inf) for this cov and b, got ey2 = {ey2!r} "
            f"(sigma^2 = {ey2 - explained:.6g}): these are not the moments of any (x, y)"
        )


@dataclass(frozen=True)
class Moments:
    """Second moments of (features, label): cov = E[x x^T], b = E[x y], ey2 = E[y^2].

    Checked on construction: cov must be a finite symmetric positive semidefinite matrix
    (up to ``SYMMETRY_RTOL`` and ``PSD_RTOL``) with a positive eigenvalue, and the moments
    must be consistent, ``ey2 >= b^T cov^{-1} b`` (up to ``NOISE_RTOL``; a b outside the range
    of a singular cov fails this too). Every ValueError names the argument and its range.
    """

    cov: np.ndarray
    b: np.ndarray
    ey2: float

    def __post_init__(self) -> None:
        cov = np.asarray(self.cov, dtype=float)
        b = np.asarray(self.b, dtype=float)
        if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or cov.shape[0] < 1:
            raise ValueError(f"cov must be a square (p, p) matrix with p >= 1, got {cov.shape}")
        if not np.all(np.isfinite(cov)):
            raise ValueError("cov must have entries in (-inf, inf), got a non-finite entry")
        if b.shape != (cov.shape[0],) or not np.all(np.isfinite(b)):
            raise ValueError(f"b must be a finite vector of length {cov.shape[0]}, got {b.shape}")
        ey2 = checks.nonnegative("ey2", self.ey2)
        # Exact powers of two bring extreme units near 1 for the checks (see _normalized).
        kx, ky = _half_exponent(float(np.max(np.abs(cov)))), _half_exponent(ey2)
        cov_n, b_n, ey2_n = np.ldexp(cov, -2 * kx), np.ldexp(b, -kx - ky), np.ldexp(ey2, -2 * ky)
        scale = float(np.max(np.abs(cov_n)))
        asym = float(np.max(np.abs(cov_n - cov_n.T)))
        if asym > SYMMETRY_RTOL * scale:
            raise ValueError(
                f"cov must be symmetric: max|cov - cov^T| must be in [0, {SYMMETRY_RTOL:g} * "
                f"max|cov|], got {asym / scale:.3g} * max|cov|"
            )
        lam, U = np.linalg.eigh(cov_n)
        if lam[-1] <= 0:
            raise ValueError(f"cov must have a positive eigenvalue, got max {lam[-1]!r}")
        if lam[0] < -PSD_RTOL * lam[-1]:
            raise ValueError(
                f"cov must be positive semidefinite: its eigenvalues must be in "
                f"[-{PSD_RTOL:g} * max eigenvalue, inf) (round-off), got min eigenvalue "
                f"{lam[0] / lam[-1]:.3g} * max eigenvalue"
            )
        _check_noise(lam, U, b_n, float(ey2_n))
        object.__setattr__(self, "cov", cov)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "ey2", ey2)
        object.__setattr__(self, "_eig", (lam, U) if kx == 0 else None)  # reused by rotate

    def with_eigenbasis(self, lam, U) -> Moments:
        """The same moments, computed through the eigendecomposition ``cov = U diag(lam) U^T``.

        A covariance with repeated eigenvalues has many eigenbases, and which one ``eigh``
        returns depends on the BLAS kernels; this lets a caller (a test) choose another one
        and check that nothing computed here depends on the choice. ValueError when ``U``
        is not orthogonal or ``(lam, U)`` does not reproduce ``cov`` to round-off.
        """
        lam, U = np.asarray(lam, dtype=float), np.asarray(U, dtype=float)
        n = self.cov.shape[0]
        if lam.shape != (n,) or U.shape != (n, n):
            raise ValueError(f"lam and U must have shapes ({n},) and ({n}, {n}), got "
                             f"{lam.shape} and {U.shape}")
        scale = max(float(np.abs(lam).max()), 1e-300)
        if not (np.allclose(U.T @ U, np.eye(n), atol=1e-10)
                and np.allclose((U * lam) @ U.T, self.cov, atol=1e-10 * scale)):
            raise ValueError("(lam, U) must be an eigendecomposition of cov: U orthogonal and "
                             "U diag(lam) U^T = cov to round-off")
        return Moments._trusted(self.cov, self.b, self.ey2, eig=(lam, U))

    @classmethod
    def _trusted(cls, cov: np.ndarray, b: np.ndarray, ey2: float, eig=None) -> Moments:
        """Moments known to be valid (a principal block, or exact rescaling, of checked ones).

        A principal submatrix of a PSD matrix is PSD and dropping features can only raise
        the noise level (a Schur complement), so the checks need not be repeated.
        """
        m = object.__new__(cls)
        for name, value in (("cov", cov), ("b", b), ("ey2", float(ey2)), ("_eig", eig)):
            object.__setattr__(m, name, value)
        return m

    @property
    def p(self) -> int:
        """Number of features."""
        return self.b.size

    def subset(self, support) -> Moments:
        """The problem restricted to the features in ``support`` (indices or boolean mask)."""
        idx = np.flatnonzero(support) if np.asarray(support).dtype == bool else np.asarray(support)
        if idx.ndim != 1 or idx.size == 0 or idx.min() < 0 or idx.max() >= self.p:
            raise ValueError(f"support must hold indices in [0, {self.p - 1}], got {support!r}")
        return Moments._trusted(self.cov[np.ix_(idx, idx)], self.b[idx], self.ey2)


def _normalized(m: Moments) -> tuple[Moments, int, int]:
    """``m`` in units where max|cov| and ey2 are near 1, and the exponents (kx, ky) used.

    ``x_n = x 2^-kx`` and ``y_n = y 2^-ky``, so cov, b and ey2 are multiplied by 4^-kx,
    2^-(kx+ky) and 4^-ky; weights theta by 2^(kx-ky) and risks by 4^-ky. Powers of two are
    exact, and problems already in the safe range come back unchanged (kx = ky = 0).
    """
    kx, ky = _half_exponent(float(np.max(np.abs(m.cov)))), _half_exponent(m.ey2)
    if kx == 0 and ky == 0:
        return m, 0, 0
    cov = m.cov if kx == 0 else np.ldexp(m.cov, -2 * kx)
    eig = getattr(m, "_eig", None) if kx == 0 else None
    return Moments._trusted(cov, np.ldexp(m.b, -kx - ky), float(np.ldexp(m.ey2, -2 * ky)),
                            eig), kx, ky


def lgp_moments(cov, beta, sigma) -> Moments:
    """Moments of the LGP ``x ~ N(0, cov)``, ``y = x^T beta + sigma z`` (Def. 1)."""
    cov = np.asarray(cov, dtype=float)
    beta = np.asarray(beta, dtype=float)
    if beta.ndim != 1 or cov.shape != (beta.size, beta.size):
        raise ValueError(f"beta must be a vector of length len(cov), got {beta.shape}, {cov.shape}")
    sigma = checks.nonnegative("sigma", sigma)
    b = cov @ beta
    return Moments(cov, b, float(sigma**2 + beta @ b))


def rotate(m: Moments) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition ``cov = U diag(lam) U^T`` (ascending lam), round-off floored.

    Eigenvalues below ``1e-13 * lam_max`` (round-off of a positive-definite matrix, or a truly
    singular cov) are raised to that floor so the diagonal theory's ``lam > 0`` holds.
    Eigenvalues below ``-PSD_RTOL * lam_max`` cannot occur: :class:`Moments` refuses them.
    """
    eig = getattr(m, "_eig", None)
    lam, U = eig if eig is not None else np.linalg.eigh(m.cov)
    if lam[-1] <= 0:
        raise ValueError(f"cov must have a positive eigenvalue, got max {lam[-1]!r}")
    return np.maximum(lam, _EIG_FLOOR * lam[-1]), U


def equivalent_lgp(m: Moments) -> tuple[np.ndarray, float]:
    """Def. 2: ``beta = cov^{-1} b`` and ``sigma = sqrt(E y^2 - b^T beta)``.

    Uses a pseudo-inverse, so a singular cov (copies of one feature) gives the min-norm beta.
    :class:`Moments` refuses moments with a negative noise level, so the clip at 0 here only
    absorbs round-off.
    """
    beta = np.linalg.lstsq(m.cov, m.b, rcond=1e-12)[0]
    return beta, float(np.sqrt(max(m.ey2 - m.b @ beta, 0.0)))


def risk(theta, m: Moments) -> np.ndarray:
    """Test risk ``L(theta) = E y^2 - 2 b^T theta + theta^T cov theta`` for (..., p) thetas.

    Written with moments only, so it stays accurate when cov is ill-conditioned.
    """
    theta = np.asarray(theta, dtype=float)
    if theta.shape[-1:] != (m.p,):
        raise ValueError(f"theta must end with p={m.p}, got shape {theta.shape}")
    return m.ey2 - 2 * theta @ m.b + ((theta @ m.cov) * theta).sum(-1)


def best_on_support(m: Moments, support) -> tuple[np.ndarray, float]:
    """Def. 5's target on a support S: ``beta*_S = cov_SS^{-1} cov_S: beta`` and ``sigma_S^2``.

    ``sigma_S^2 = L(beta*_S) = E y^2 - b_S^T beta*_S``: sigma^2 plus what the missing features
    explained beyond the kept ones (for diagonal cov, sigma^2 + sum_{i not in S} lam_i beta_i^2).
    """
    sub = m.subset(support)
    beta_s, sigma_s = equivalent_lgp(sub)
    return beta_s, sigma_s**2


def symmetric_root(lam: np.ndarray, U: np.ndarray) -> np.ndarray:
    """``U diag(lam) U^T`` for the columns ``U`` of an eigenbasis: a symmetric matrix function.

    Called with ``lam = sqrt(eigenvalues)`` it is the symmetric square root. When eigenvalues
    repeat (the equicorrelated family has a 179-fold one), LAPACK may return any orthonormal
    basis of their eigenspace, and which one depends on the BLAS kernels (OpenBLAS picks them
    per CPU) and the thread count; ``U diag(lam) U^T`` is the same for every such basis, as long
    as equal eigenvalues get equal ``lam``. Samplers that draw through it give the same draws
    on every machine, up to round-off; drawing through ``U diag(lam)`` itself would not.
    """
    return (U * lam) @ U.T


@dataclass(frozen=True)
class DCLaw:
    """Predicted Gaussian law of the min-norm solution: ``mean + R h``, h ~ N(0, I).

    ``R = U diag(sd) U^T`` is the symmetric square root of the law's covariance
    (:func:`symmetric_root`), so the draws do not depend on the eigenbasis LAPACK returned.
    """

    mean: np.ndarray
    U: np.ndarray
    sd: np.ndarray
    tau2: float
    """Predicted dense test risk (sigma^2 included)."""

    @property
    def cov(self) -> np.ndarray:
        """Covariance ``U diag(sd^2) U^T`` (= tau^2/n (cov + zeta I)^{-2} cov when p > n)."""
        return (self.U * self.sd**2) @ self.U.T

    def sample(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """``draws`` samples (draws, p) from the law, ``mean + h R`` with R symmetric.

        Basis-independent (see :func:`symmetric_root`): the same rng gives the same draws
        whichever eigenbasis of a repeated eigenvalue the machine's LAPACK returned.
        """
        draws = checks.integer("draws", draws, 1)
        rng = checks.generator("rng", rng)
        root = symmetric_root(self.sd, self.U)
        return self.mean + rng.standard_normal((draws, self.sd.size)) @ root


def dc_law(m: Moments, n: int, exact: bool = True) -> DCLaw:
    """Def. 4 for any covariance: the diagonal DC in the eigenbasis, rotated back.

    p > n: ``N((cov + zeta I)^{-1} cov beta, tau^2/n (cov + zeta I)^{-2} cov)``;
    p < n: ``N(beta, sigma^2/(n-p-1) cov^{-1})`` (exact) or ``N(beta, sigma^2/(n-p) cov^{-1})``.
    At p = n - 1 (exact) the risk and the variances are infinite, as in :mod:`.lgp`.
    """
    n = checks.integer("n", n, 1)
    if m.p == n:
        raise ValueError(f"n must differ from p (the interpolation threshold), got n = p = {n}")
    m_n, kx, ky = _normalized(m)
    return _to_units(_dc_law_normalized(m_n, n, exact), ky - kx, ky)


def _to_units(law: DCLaw, k_theta: int, ky: int) -> DCLaw:
    """``law`` with weights multiplied by 2^k_theta and the risk by 4^ky (exact)."""
    if k_theta == 0 and ky == 0:
        return law
    return DCLaw(np.ldexp(law.mean, k_theta), law.U, np.ldexp(law.sd, k_theta),
                 float(np.ldexp(law.tau2, 2 * ky)))


def _dc_law_normalized(m: Moments, n: int, exact: bool) -> DCLaw:
    """:func:`dc_law` of moments already in safe units (no checks, no rescaling)."""
    lam, U = rotate(m)
    b_bar = U.T @ m.b
    beta_bar = b_bar / lam
    sigma = np.sqrt(max(m.ey2 - b_bar @ beta_bar, 0.0))  # >= 0 up to round-off (Moments)
    mean_bar, var_bar, tau2 = lgp.dc_prediction(lam, beta_bar, sigma, n, exact=exact)
    return DCLaw(U @ mean_bar, U, np.sqrt(var_bar), float(tau2))


def dense_risk(m: Moments, n: int, exact: bool = True) -> float:
    """Predicted test risk of min-norm least squares on all p features (Def. 4 / §4.2)."""
    return dc_law(m, n, exact).tau2


def prune_mask(theta, s: int, method: str = "magnitude", hess_diag=None) -> np.ndarray:
    """Boolean mask (..., p) of the ``s`` top scores: |theta_i| or hess_diag_i * theta_i^2."""
    theta = np.asarray(theta, dtype=float)
    _method(method)
    s = checks.integer("s", s, 1, theta.shape[-1])
    if method == "hessian":
        if hess_diag is None or np.shape(hess_diag)[-1:] != theta.shape[-1:]:
            raise ValueError("hess_diag must be given, ending with p, for method='hessian'")
        score = np.asarray(hess_diag) * theta**2
    else:
        score = np.abs(theta)
    keep = np.argpartition(-score, s - 1, axis=-1)[..., :s]
    mask = np.zeros(theta.shape, dtype=bool)
    np.put_along_axis(mask, keep, True, axis=-1)
    return mask


def _retrained_risks(m: Moments, masks: np.ndarray, n: int, exact: bool) -> np.ndarray:
    """Def. 5 risk for each support in ``masks`` (draws, p), each holding s features."""
    s = int(masks[0].sum())
    if s > n:  # over-parameterized retraining: the full Def. 4 on each distinct support
        supports, inverse = np.unique(masks, axis=0, return_inverse=True)
        risks = np.array([dense_risk(m.subset(S), n, exact) for S in supports])
        return risks[inverse.ravel()]
    # s < n: the risk is sigma_S^2 times a factor that depends on s and n only, so one
    # batched solve gives every sigma_S^2 = E y^2 - b_S^T cov_SS^{-1} b_S.
    idx = np.argsort(~masks, axis=-1, kind="stable")[:, :s]
    cov_ss = m.cov[idx[:, :, None], idx[:, None, :]]
    b_s = m.b[idx]
    sigma2 = m.ey2 - (b_s * np.linalg.solve(cov_ss, b_s[..., None])[..., 0]).sum(-1)
    return np.maximum(sigma2, 0.0) * lgp.least_squares_factor(s, n, exact)


def pruning_theory(
    m: Moments,
    n: int,
    s: int,
    rng: np.random.Generator,
    methods: tuple[str, ...] = METHODS,
    draws: int = 400,
    exact: bool = True,
    law: DCLaw | None = None,
) -> dict:
    """Predicted risks of train-prune (Def. 4) and train-prune-retrain (Def. 5).

    Pruned risk: mean of L(prune(theta)) over ``draws`` samples theta of the DC law (the
    coordinates are dependent for non-diagonal cov, so no closed form). Retrained risk: mean
    over the same draws of the dense risk of the problem restricted to the kept support S
    (Def. 5: cov_SS, beta*_S, sigma_S^2, same n, fresh samples). Returns
    ``{"dense": tau2, method: {"pruned": (mean, se), "retrained": (mean, se), "masks": ...}}``.
    ``law`` is ``dc_law(m, n, exact)`` when the caller already has it (a sweep over s).

    At p = n - 1 (exact) the dense risk is infinite and so are both predictions, as in the
    diagonal theory (:func:`prunedd_utils.theory.lgp.theory_risk`); nothing is sampled then.
    """
    n = checks.integer("n", n, 1)
    s = checks.integer("s", s, 1)
    rng = checks.generator("rng", rng)
    draws = checks.integer("draws", draws, 2)
    for method in methods:
        _method(method)
    if s in (n - 1, n) and s < m.p:
        raise ValueError(f"s must be in [1, n-2] or [n+1, p] (retraining diverges), got {s}")
    if law is not None and not (isinstance(law, DCLaw) and law.mean.shape == (m.p,)):
        raise ValueError(f"law must be None or dc_law(m, n, exact) for this m (p = {m.p})")
    m_n, kx, ky = _normalized(m)  # every risk below in units where ey2 ~ 1 (exact rescaling)
    law_n = _dc_law_normalized(m_n, n, exact) if law is None else _to_units(law, kx - ky, -ky)
    tau2 = float(np.ldexp(law_n.tau2, 2 * ky))
    out: dict = {"dense": tau2}
    if s >= m.p or not np.isfinite(tau2):  # nothing to prune, or the p = n - 1 divergence
        for method in methods:
            out[method] = {"pruned": (tau2, 0.0), "retrained": (tau2, 0.0)}
        return out
    theta = law_n.sample(draws, rng)
    hess = np.diag(m_n.cov)
    def mean_se(risks: np.ndarray) -> tuple[float, float]:
        mean, se = risks.mean(), risks.std(ddof=1) / np.sqrt(draws)
        return float(np.ldexp(mean, 2 * ky)), float(np.ldexp(se, 2 * ky))

    for method in methods:
        mask = prune_mask(theta, s, method, hess)
        out[method] = {
            "pruned": mean_se(risk(theta * mask, m_n)),
            "retrained": mean_se(_retrained_risks(m_n, mask, n, exact)),
            "masks": mask,
        }
    return out


def sample_gaussian(
    m: Moments, n: int, rng: np.random.Generator, batch: tuple[int, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Draw (*batch, n, p) designs x ~ N(0, cov) and labels y = x^T beta + sigma z (Def. 2).

    ``x = R g`` with ``R = U diag(sqrt(lam)) U^T`` the symmetric square root of cov
    (:func:`symmetric_root`): it exists for a singular cov (perfectly correlated features),
    unlike a Cholesky factor, and, unlike ``U diag(sqrt(lam))``, it does not depend on the
    eigenbasis LAPACK returns for a repeated eigenvalue, so a seed gives the same data on
    every machine (up to round-off).
    """
    n = checks.integer("n", n, 1)
    rng = checks.generator("rng", rng)
    eig = getattr(m, "_eig", None)  # the checked decomposition, when m has one
    lam, U = eig if eig is not None else np.linalg.eigh(m.cov)
    lam = np.where(lam > _EIG_FLOOR * lam[-1], lam, 0.0)  # round-off eigenvalues: exact zeros
    root = symmetric_root(np.sqrt(lam), U)
    beta, sigma = equivalent_lgp(m)
    X = rng.standard_normal((*batch, n, m.p)) @ root
    return X, X @ beta + sigma * rng.standard_normal((*batch, n))


def pinv_solve(X, y) -> np.ndarray:
    """Min-norm least squares by batched pseudo-inverse, for rank-deficient designs.

    :func:`prunedd_utils.theory.lgp.min_norm` solves Gram systems, which assumes full rank;
    copies of one feature (Lemma 1) give a rank-one design and need this slower, SVD-based
    route.
    """
    X = np.asarray(X, dtype=float)
    return (np.linalg.pinv(X, rcond=1e-10) @ np.asarray(y, dtype=float)[..., None])[..., 0]


def refit(X, y, mask, solver=lgp.min_norm) -> np.ndarray:
    """Min-norm least squares on the kept columns (mask (..., p), same count per row), zeros off."""
    X = np.asarray(X, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    counts = mask.sum(-1)
    if mask.shape[-1] != X.shape[-1] or np.any(counts != counts.flat[0]):
        raise ValueError("mask must end with p and keep the same number s >= 1 of features")
    idx = np.argsort(~mask, axis=-1, kind="stable")[..., : counts.flat[0]]
    X_s = np.take_along_axis(X, idx[..., None, :], axis=-1)
    theta = np.zeros(mask.shape)
    np.put_along_axis(theta, idx, solver(X_s, y), axis=-1)
    return theta


def train_prune_retrain(
    X, y, s: int, methods=METHODS, X_fresh=None, y_fresh=None, solver=lgp.min_norm
) -> dict:
    """Empirical pipeline on batched data (..., n, p): min-norm fit, prune to s, retrain.

    Returns ``{"dense": theta, method: {"mask", "pruned", "retrained", ["fresh"]}}``; see
    :func:`prune_retrain`. ``solver`` is the min-norm routine (:func:`pinv_solve` for
    rank-deficient designs).
    """
    X = np.asarray(X, dtype=float)
    s = checks.integer("s", s, 1, X.shape[-1])
    for method in methods:
        _method(method)
    theta = solver(X, y)
    return {"dense": theta, **prune_retrain(X, y, theta, s, methods, X_fresh, y_fresh, solver)}


def prune_retrain(
    X, y, theta, s: int, methods=METHODS, X_fresh=None, y_fresh=None, solver=lgp.min_norm
) -> dict:
    """Prune a fitted ``theta`` (..., p) to s weights and refit: ``{method: {...}}``.

    Each method gives ``mask``, ``pruned`` and ``retrained`` (refit on the same data) and,
    when X_fresh, y_fresh are given, ``fresh`` (refit on an independent sample). The Hessian
    score uses the empirical diagonal mean_k X_ki^2.
    """
    X = np.asarray(X, dtype=float)
    s = checks.integer("s", s, 1, X.shape[-1])
    for method in methods:
        _method(method)
    out: dict = {}
    hess = (X**2).mean(-2)
    for method in methods:
        mask = prune_mask(theta, s, method, hess)
        res = {"mask": mask, "pruned": theta * mask, "retrained": refit(X, y, mask, solver)}
        if X_fresh is not None:
            res["fresh"] = refit(X_fresh, y_fresh, mask, solver)
        out[method] = res
    return out
