"""General-covariance theory: reduction to the diagonal case, rotation invariance, Def. 5."""

import warnings

import numpy as np
import pytest

from prunedd_utils.theory import correlated, general_sigma, lgp


def _diag_problem(p=120, seed=0):
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0.5, 3.0, p)
    beta = rng.standard_normal(p) / np.sqrt(p)
    return lam, beta


def _rotation(p, seed=1):
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((p, p)))[0]


@pytest.mark.parametrize("n", [40, 200])  # p > n (Def. 4) and p < n (exact finite n)
def test_diagonal_cov_reduces_to_lgp_module(n):
    lam, beta = _diag_problem()
    law = general_sigma.dc_law(general_sigma.lgp_moments(np.diag(lam), beta, 0.7), n)
    mean, var = lgp.dc_moments(lam, beta, 0.7, n)
    np.testing.assert_allclose(law.mean, mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.diag(law.cov), var, rtol=1e-9)
    assert law.tau2 == pytest.approx(lgp.dense_tau2(lam, beta, 0.7, n), rel=1e-10)


@pytest.mark.parametrize("n", [40, 200])
def test_theory_is_rotation_invariant(n):
    lam, beta = _diag_problem()
    Q = _rotation(lam.size)
    m = general_sigma.lgp_moments(np.diag(lam), beta, 0.7)
    mr = general_sigma.lgp_moments(Q @ np.diag(lam) @ Q.T, Q @ beta, 0.7)
    law, law_r = general_sigma.dc_law(m, n), general_sigma.dc_law(mr, n)
    assert law_r.tau2 == pytest.approx(law.tau2, rel=1e-9)
    np.testing.assert_allclose(law_r.mean, Q @ law.mean, atol=1e-9)
    np.testing.assert_allclose(law_r.cov, Q @ law.cov @ Q.T, atol=1e-9)


def test_dense_prediction_is_rotation_invariant():
    """Min-norm least squares commutes with an orthogonal change of features."""
    rng = np.random.default_rng(2)
    X, y, x_test = rng.standard_normal((30, 80)), rng.standard_normal(30), rng.standard_normal(80)
    Q = _rotation(80)
    theta, theta_r = lgp.min_norm(X, y), lgp.min_norm(X @ Q.T, y)
    np.testing.assert_allclose(theta_r, Q @ theta, atol=1e-10)
    assert (Q @ x_test) @ theta_r == pytest.approx(x_test @ theta, abs=1e-10)


def test_risk_formula_matches_lgp_form():
    lam, beta = _diag_problem(30)
    Q = _rotation(30)
    cov = Q @ np.diag(lam) @ Q.T
    m = general_sigma.lgp_moments(cov, beta, 0.3)
    theta = np.random.default_rng(3).standard_normal((5, 30))
    expect = 0.09 + np.einsum("ki,ij,kj->k", theta - beta, cov, theta - beta)
    np.testing.assert_allclose(general_sigma.risk(theta, m), expect, rtol=1e-10)
    assert general_sigma.risk(beta, m) == pytest.approx(0.09, abs=1e-12)


def test_best_on_support_diagonal_and_equivalent_lgp():
    lam, beta = _diag_problem(30)
    m = general_sigma.lgp_moments(np.diag(lam), beta, 0.3)
    keep = np.arange(30) < 12
    beta_s, sigma2_s = general_sigma.best_on_support(m, keep)
    np.testing.assert_allclose(beta_s, beta[:12], atol=1e-12)
    assert sigma2_s == pytest.approx(0.09 + np.sum(lam[12:] * beta[12:] ** 2), rel=1e-10)
    beta_eq, sigma_eq = general_sigma.equivalent_lgp(m)
    np.testing.assert_allclose(beta_eq, beta, atol=1e-10)
    assert sigma_eq == pytest.approx(0.3, rel=1e-8)


@pytest.mark.parametrize("method", ["magnitude", "hessian"])
def test_diagonal_pruning_theory_matches_lgp_closed_form(method):
    """Sampling the general law must reproduce the diagonal module's closed forms."""
    lam, beta, n, s = np.where(np.arange(200) < 20, 10.0, 1.0), np.ones(200) / 10, 100, 20
    m = general_sigma.lgp_moments(np.diag(lam), beta, 0.5)
    out = general_sigma.pruning_theory(m, n, s, np.random.default_rng(7), (method,), draws=2000)
    for kind, retrain in (("pruned", False), ("retrained", True)):
        mean, se = out[method][kind]
        closed = lgp.theory_risk(lam, beta, 0.5, n, 200, s, method, retrain)
        # 4 s.e. of the sampling, plus 1 % for lgp's threshold (not exact top-s) shortcut
        assert abs(mean - closed) < 4 * se + 0.01 * closed, (kind, mean, se, closed)


def test_fast_retraining_path_matches_full_def5():
    """For s < n the batched sigma_S^2 route must equal Def. 4 on each restricted problem."""
    lam = np.linspace(0.5, 2.0, 60)
    m = general_sigma.lgp_moments(correlated.equicorrelated_cov(lam, 0.3), np.ones(60) / 8, 0.5)
    out = general_sigma.pruning_theory(m, 40, 10, np.random.default_rng(4), ("magnitude",), draws=5)
    masks = out["magnitude"]["masks"]
    slow = np.mean([general_sigma.dense_risk(m.subset(mask), 40) for mask in masks])
    assert out["magnitude"]["retrained"][0] == pytest.approx(slow, rel=1e-9)


def test_correlated_theory_matches_simulation():
    """Def. 4/5 for a non-diagonal cov against simulated pruning and fresh retraining."""
    n, p, s, trials = 100, 200, 20, 300
    lam = np.where(np.arange(p) < s, 10.0, 1.0)
    m = general_sigma.lgp_moments(correlated.equicorrelated_cov(lam, 0.1), np.ones(p) / 50, 0.5)
    rng = np.random.default_rng(5)
    theory = general_sigma.pruning_theory(m, n, s, rng, ("hessian",), draws=400)
    X, y = general_sigma.sample_gaussian(m, n, rng, batch=(trials,))
    Xf, yf = general_sigma.sample_gaussian(m, n, rng, batch=(trials,))
    fits = general_sigma.train_prune_retrain(X, y, s, ("hessian",), Xf, yf)
    pairs = [
        (theory["dense"], 0.0, fits["dense"]),
        (*theory["hessian"]["pruned"], fits["hessian"]["pruned"]),
        (*theory["hessian"]["retrained"], fits["hessian"]["fresh"]),
    ]
    for pred, pred_se, theta in pairs:
        sim = general_sigma.risk(theta, m)
        se = np.hypot(pred_se, sim.std(ddof=1) / np.sqrt(trials))
        # 3 standard errors plus a 4 % allowance for the finite-n error of the asymptotic DC
        assert abs(sim.mean() - pred) < 3 * se + 0.04 * pred, (pred, sim.mean(), se)


def test_prune_mask_keeps_top_scores():
    theta = np.array([[0.1, -3.0, 0.5, 2.0], [1.0, 0.0, -0.2, 0.3]])
    mask = general_sigma.prune_mask(theta, 2)
    np.testing.assert_array_equal(mask, [[False, True, False, True], [True, False, False, True]])
    hess_diag = np.array([1000.0, 1.0, 1.0, 1.0])
    hess = general_sigma.prune_mask(theta, 1, "hessian", hess_diag=hess_diag)
    np.testing.assert_array_equal(hess[0], [True, False, False, False])


def test_pinv_solver_handles_rank_one_design():
    a, g = np.arange(1.0, 6.0), np.random.default_rng(6).standard_normal(8)
    theta = general_sigma.pinv_solve(np.outer(g, a), 2.0 * g)
    np.testing.assert_allclose(theta, 2.0 * a / (a @ a), atol=1e-10)


def _identity_moments(p):
    return general_sigma.lgp_moments(np.eye(p), np.ones(p), 1.0)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: general_sigma.Moments(np.ones((2, 3)), np.ones(2), 1.0), "cov"),
        (lambda: general_sigma.Moments(np.eye(2), np.ones(3), 1.0), "b"),
        (lambda: general_sigma.Moments(np.eye(2), np.ones(2), -1.0), "ey2"),
        (lambda: general_sigma.lgp_moments(np.eye(2), np.ones(2), -0.1), "sigma"),
        (lambda: general_sigma.dc_law(_identity_moments(3), 3), "n"),
        (lambda: general_sigma.prune_mask(np.ones(3), 4), "s"),
        (lambda: general_sigma.prune_mask(np.ones(3), 1, "random"), "method"),
        (lambda: general_sigma.prune_mask(np.ones(3), 1, "hessian"), "hess_diag"),
        (lambda: general_sigma.DCLaw(np.zeros(2), np.eye(2), np.ones(2), 1.0).sample(0, None),
         "draws"),
        (lambda: general_sigma.pruning_theory(_identity_moments(9), 5, 4,
                                              np.random.default_rng(0)), "s"),
        (lambda: general_sigma.Moments(np.eye(2), np.full(2, 0.1), None), "ey2"),
        (lambda: general_sigma.Moments(np.eye(2), np.full(2, 0.1), "1"), "ey2"),
        (lambda: general_sigma.pruning_theory(_identity_moments(9), 5, 2, 0), "rng"),
        (lambda: general_sigma.pruning_theory(_identity_moments(9), 5, 2, None), "rng"),
        (lambda: general_sigma.sample_gaussian(_identity_moments(3), 5, 0), "rng"),
        (lambda: general_sigma.dc_law(_identity_moments(3), 5).sample(4, 0), "rng"),
    ],
)
def test_invalid_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --- invalid moments are refused, not floored or clipped ----------------------------------

@pytest.mark.parametrize(
    ("cov", "b", "ey2", "message"),
    [
        # an indefinite "covariance": eigenvalues 3 and -1
        (np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([1.0, 0.5]), 5.0,
         r"^cov must be positive semidefinite: its eigenvalues must be in \[-1e-10 \* max"),
        # a slightly negative eigenvalue, far beyond round-off (-1e-6 of the largest)
        (np.diag([1.0, 0.5, -1e-6]), np.array([0.1, 0.1, 0.0]), 1.0,
         "^cov must be positive semidefinite"),
        # not symmetric at a tiny scale (an absolute tolerance would let it through)
        (np.array([[1.0, 0.5], [0.0, 1.0]]) * 1e-20, np.zeros(2), 1.0, "^cov must be symmetric"),
        # b^T cov^-1 b = 3 > ey2 = 1: the implied noise level would be -2
        (np.eye(3), np.ones(3), 1.0, r"^ey2 must be at least b\^T cov\^\{-1\} b .* in \[0, inf\)"),
        # the same with a non-diagonal cov, p > n in the calls below
        (np.eye(30) + 0.5, np.ones(30), 0.2, "^ey2 must be at least"),
        # b outside the range of a singular cov: x_2 = 0 yet E[x_2 y] = 1
        (np.diag([1.0, 0.0]), np.array([0.0, 1.0]), 1.0, "^ey2 must be at least"),
    ],
)
def test_invalid_moments_are_refused(cov, b, ey2, message):
    """Before: a non-PSD cov was floored and a negative sigma^2 clipped to 0, silently."""
    with pytest.raises(ValueError, match=message):
        m = general_sigma.Moments(cov, b, ey2)
        # what used to come out: finite numbers from moments no (x, y) can have
        general_sigma.dense_risk(m, 10)
        general_sigma.pruning_theory(m, 10, 1, np.random.default_rng(0), draws=10)


@pytest.mark.parametrize("sigma", [0.0, 0.3])
def test_valid_moments_at_round_off_are_accepted(sigma):
    """Noiseless and rank-one problems sit at the edge (sigma^2 = 0, eigenvalues ~ 0)."""
    rng = np.random.default_rng(8)
    a, beta = rng.uniform(0.5, 2.0, 40), rng.standard_normal(40) / 6
    Q = _rotation(40)
    for cov in (np.outer(a, a), Q @ np.diag(a) @ Q.T, correlated.equicorrelated_cov(a, 0.99)):
        m = general_sigma.lgp_moments(cov, beta, sigma)
        assert np.isfinite(general_sigma.dense_risk(m, 20))
        assert general_sigma.equivalent_lgp(m)[1] == pytest.approx(sigma, abs=1e-6)


# --- the interpolation threshold: the same limits as the diagonal theory ------------------

@pytest.mark.parametrize("method", ["magnitude", "hessian"])
def test_pruning_theory_at_p_equal_n_minus_1_is_infinite_like_lgp(method):
    """Before: NaN (the infinite variance was sampled) where lgp returns inf."""
    lam, beta = np.linspace(0.5, 2.0, 20), np.ones(20) / 5
    m = general_sigma.lgp_moments(np.diag(lam), beta, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value" on the way
        out = general_sigma.pruning_theory(m, 21, 5, np.random.default_rng(0), (method,))
    for kind, retrain in (("pruned", False), ("retrained", True)):
        closed = lgp.theory_risk(lam, beta, 0.5, 21, 20, 5, method, retrain)
        assert closed == np.inf
        assert out[method][kind][0] == closed, (kind, out[method][kind])
    assert out["dense"] == lgp.dense_tau2(lam, beta, 0.5, 21) == np.inf


@pytest.mark.parametrize("method", ["magnitude", "hessian"])
def test_pruning_theory_at_p_equal_n_plus_1_matches_lgp(method):
    lam, beta, n, s = np.linspace(0.5, 2.0, 40), np.ones(40) / 5, 39, 5
    m = general_sigma.lgp_moments(np.diag(lam), beta, 0.5)
    out = general_sigma.pruning_theory(m, n, s, np.random.default_rng(9), (method,), draws=2000)
    assert out["dense"] == pytest.approx(lgp.dense_tau2(lam, beta, 0.5, n), rel=1e-10)
    for kind, retrain in (("pruned", False), ("retrained", True)):
        mean, se = out[method][kind]
        closed = lgp.theory_risk(lam, beta, 0.5, n, 40, s, method, retrain)
        assert np.isfinite(closed)
        # as in test_diagonal_pruning_theory_matches_lgp_closed_form: 4 s.e. plus 1 %
        assert abs(mean - closed) < 4 * se + 0.01 * closed, (kind, mean, se, closed)


# --- extreme units: the same answer, no overflow, no warning -----------------------------

def _rotated_problem(p=30):
    rng = np.random.default_rng(10)
    lam, beta = rng.uniform(0.5, 2.0, p), rng.standard_normal(p) / np.sqrt(p)
    Q = _rotation(p, seed=11)
    return general_sigma.lgp_moments(Q @ np.diag(lam) @ Q.T, Q @ beta, 0.5)


@pytest.mark.parametrize("x_scale", [1.0, 1e-300, 1e-200, 1e160, 1e300])
@pytest.mark.parametrize("y_scale", [1.0, 1e-250, 1e250])
def test_extreme_units_give_the_same_answer(x_scale, y_scale):
    """Features x -> x sqrt(x_scale), labels y -> y sqrt(y_scale): risks scale by y_scale.

    Before: NaN with only a RuntimeWarning at x_scale 1e160 or 1e-200 (overflow/underflow
    of squared eigenvalues in the DC formulas).
    """
    m = _rotated_problem()
    scaled = general_sigma.Moments(m.cov * x_scale, m.b * np.sqrt(x_scale) * np.sqrt(y_scale),
                                   m.ey2 * y_scale)
    for n, s in ((10, 5), (60, 5), (10, 20)):  # p > n (s < n and s > n) and p < n
        base = general_sigma.pruning_theory(m, n, s, np.random.default_rng(1))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = general_sigma.pruning_theory(scaled, n, s, np.random.default_rng(1))
            law = general_sigma.dc_law(scaled, n)
        assert out["dense"] / y_scale == pytest.approx(base["dense"], rel=1e-9)
        np.testing.assert_allclose(law.mean * np.sqrt(x_scale) / np.sqrt(y_scale),
                                   general_sigma.dc_law(m, n).mean, rtol=1e-8, atol=1e-12)
        for method in general_sigma.METHODS:
            for kind in ("pruned", "retrained"):
                got = np.array(out[method][kind]) / y_scale
                assert np.all(np.isfinite(got)), (n, s, method, kind, got)
                np.testing.assert_allclose(got, base[method][kind], rtol=1e-8)


# --- samplers do not depend on the eigenbasis LAPACK returns ------------------------------

def _rotated_eigenbasis(m, seed=12):
    """``m`` with another valid eigenbasis: a random rotation inside each repeated eigenvalue's
    eigenspace and random signs elsewhere (what another BLAS kernel may return)."""
    lam, U = np.linalg.eigh(m.cov)
    rng = np.random.default_rng(seed)
    U2 = U * rng.choice([-1.0, 1.0], lam.size)
    start = 0
    for stop in range(1, lam.size + 1):  # groups of equal eigenvalues (to round-off)
        if stop == lam.size or lam[stop] - lam[start] > 1e-9 * lam[-1]:
            if stop - start > 1:
                R = np.linalg.qr(rng.standard_normal((stop - start, stop - start)))[0]
                U2[:, start:stop] = U2[:, start:stop] @ R
            start = stop
    np.testing.assert_allclose((U2 * lam) @ U2.T, m.cov, atol=1e-12 * lam[-1])
    return m.with_eigenbasis(lam, U2), U, U2, lam


@pytest.mark.parametrize("cov_kind", ["equicorrelated", "rank_one"])
def test_samplers_do_not_depend_on_the_eigenbasis(cov_kind):
    """Before: draws went through U diag(sqrt lam), so a repeated eigenvalue (179-fold in
    chapter 03's family) or a sign choice made the same seed give other data and other
    theory draws on another machine (OpenBLAS kernels choose U)."""
    p, n = 60, 30
    lam0 = np.where(np.arange(p) < 6, 10.0, 1.0)
    cov = (correlated.equicorrelated_cov(lam0, 0.5) if cov_kind == "equicorrelated"
           else np.outer(np.sqrt(lam0), np.sqrt(lam0)))
    m = general_sigma.lgp_moments(cov, np.ones(p) / 20, 0.5)
    m2, U, U2, lam = _rotated_eigenbasis(m)
    X1, y1 = general_sigma.sample_gaussian(m, n, np.random.default_rng(0), batch=(3,))
    X2, y2 = general_sigma.sample_gaussian(m2, n, np.random.default_rng(0), batch=(3,))
    np.testing.assert_allclose(X2, X1, atol=1e-10)
    np.testing.assert_allclose(y2, y1, atol=1e-10)
    # the old route through the eigenbasis itself gives other data from the same seed
    z = np.random.default_rng(0).standard_normal((n, p))
    root = np.sqrt(np.maximum(lam, 0))
    assert np.max(np.abs(z @ (U * root).T - z @ (U2 * root).T)) > 0.1
    if cov_kind == "equicorrelated":  # the DC law and the theory (Def. 4 needs full rank)
        t1 = general_sigma.dc_law(m, n).sample(50, np.random.default_rng(1))
        t2 = general_sigma.dc_law(m2, n).sample(50, np.random.default_rng(1))
        np.testing.assert_allclose(t2, t1, atol=1e-10)
        out1 = general_sigma.pruning_theory(m, n, 5, np.random.default_rng(2), draws=200)
        out2 = general_sigma.pruning_theory(m2, n, 5, np.random.default_rng(2), draws=200)
        for method in general_sigma.METHODS:
            for kind in ("pruned", "retrained"):
                np.testing.assert_allclose(out2[method][kind], out1[method][kind], rtol=1e-9)


def test_symmetric_root_squares_to_the_matrix_and_sampling_covariance():
    m = general_sigma.lgp_moments(correlated.equicorrelated_cov(np.linspace(1, 3, 8), 0.4),
                                  np.ones(8), 0.5)
    lam, U = np.linalg.eigh(m.cov)
    root = general_sigma.symmetric_root(np.sqrt(lam), U)
    np.testing.assert_allclose(root, root.T, atol=1e-14)
    np.testing.assert_allclose(root @ root, m.cov, atol=1e-12)
    law = general_sigma.dc_law(m, 5)
    draws = law.sample(200_000, np.random.default_rng(3))
    # sample covariance within ~4 s.e. (entries of a Wishart/200000: s.e. <= 2 max var / 447)
    np.testing.assert_allclose(np.cov(draws.T), law.cov, atol=4 * 2 * law.cov.max() / 447)


def test_with_eigenbasis_refuses_a_decomposition_of_another_matrix():
    m = general_sigma.Moments(np.diag([2.0, 1.0]), np.array([0.5, 0.1]), 3.0)
    assert m.with_eigenbasis([1.0, 2.0], np.eye(2)[:, ::-1]).cov is m.cov
    with pytest.raises(ValueError, match="eigendecomposition of cov"):
        m.with_eigenbasis([1.0, 1.0], np.eye(2))
    with pytest.raises(ValueError, match="shapes"):
        m.with_eigenbasis([1.0], np.eye(2))
