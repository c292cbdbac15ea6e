"""ReLU random features: closed-form second moments, Monte Carlo check, the Gaussian-equivalent
control, the experiment driver and the scan over the input dimension."""

import numpy as np
import pytest
import scipy.linalg

from prunedd_utils.theory import general_sigma, lgp
from prunedd_utils.theory import random_features as rf


@pytest.fixture(scope="module")
def problem():
    return rf.draw_problem(6, 15, np.random.default_rng(0))


def test_closed_form_moments_match_sampling(problem):
    """Every entry of Sigma, b and E y^2 within 5 standard errors of a 200k-sample estimate."""
    W, u = problem
    phi, y = rf.sample_data(W, u, 200_000, np.random.default_rng(1))
    exact = rf.relu_moments(W, u)
    N = y.size
    for est_terms, target in (
        (phi[:, :, None] * phi[:, None, :], exact.cov),
        (phi * y[:, None], exact.b),
        (y**2, exact.ey2),
    ):
        mean, se = est_terms.mean(0), est_terms.std(0) / np.sqrt(N)
        assert np.all(np.abs(mean - target) < 5 * se + 1e-12), np.max(np.abs(mean - target) / se)


def test_moments_mc_estimator_agrees(problem):
    W, u = problem
    exact = rf.relu_moments(W, u)
    mc = rf.relu_moments_mc(W, u, 100_000, np.random.default_rng(2), chunk=30_000)
    assert np.max(np.abs(mc.cov - exact.cov)) / np.max(exact.cov) < 0.02
    np.testing.assert_allclose(mc.b, exact.b, rtol=0.03)


def test_closed_form_diagonal_and_psd(problem):
    W, u = problem
    m = rf.relu_moments(W, u)
    np.testing.assert_allclose(np.diag(m.cov), np.sum(W**2, 1) / 2)  # E relu(g r)^2 = r^2/2
    assert np.linalg.eigvalsh(m.cov).min() > 0
    assert m.ey2 == 3.0


def test_alignment_of_all_features_and_of_the_best_one(problem):
    W, u = problem
    cos2 = ((W @ u) / np.linalg.norm(W, axis=1)) ** 2
    assert rf.kept_alignment(W, u, np.ones(15, bool)) == pytest.approx(cos2.mean())
    assert rf.kept_alignment(W, u, cos2 == cos2.max()) == pytest.approx(cos2.max())


def test_gaussian_equivalent_data_has_the_moments_and_is_gaussian(problem):
    """E xx^T, E xy, E y^2 within 5 standard errors of m's; kurtosis 3, not ReLU's 6."""
    W, u = problem
    m = rf.relu_moments(W, u)
    X, y = rf.gaussian_equivalent_data(m, 100_000, np.random.default_rng(3), batch=(2,))
    X, y = X.reshape(-1, m.p), y.ravel()
    N = y.size
    for est_terms, target in (
        (X[:, :, None] * X[:, None, :], m.cov),
        (X * y[:, None], m.b),
        (y**2, m.ey2),
    ):
        mean, se = est_terms.mean(0), est_terms.std(0) / np.sqrt(N)
        assert np.all(np.abs(mean - target) < 5 * se + 1e-12), np.max(np.abs(mean - target) / se)
    kurt = (X**4).mean(0) / (X**2).mean(0) ** 2
    np.testing.assert_allclose(kurt, 3.0, atol=0.1)  # Gaussian; ReLU features have 6
    phi, _ = rf.sample_data(W, u, 50_000, np.random.default_rng(4))
    np.testing.assert_allclose((phi**4).mean(0) / (phi**2).mean(0) ** 2, 6.0, atol=0.5)


def test_gaussian_equivalent_data_reproduces_the_exact_least_squares_risk(problem):
    """For p < n a Gaussian design has mean risk sigma^2 (n-1)/(n-p-1) exactly (Def. 2 data)."""
    W, u = problem
    m = rf.relu_moments(W, u)
    n = 40
    X, y = rf.gaussian_equivalent_data(m, n, np.random.default_rng(5), batch=(4000,))
    risks = general_sigma.risk(lgp.min_norm(X, y), m)
    sigma2 = general_sigma.equivalent_lgp(m)[1] ** 2
    exact = sigma2 * (n - 1) / (n - m.p - 1)
    assert abs(risks.mean() - exact) < 4 * risks.std() / np.sqrt(risks.size)


def test_gaussian_equivalent_data_uses_the_unique_symmetric_square_root(problem):
    """The draws are z @ sqrt(J) for the joint second-moment matrix J of (x, y), the same root
    scipy's Schur-based sqrtm finds: nothing depends on the eigenbasis LAPACK returns."""
    W, u = problem
    m = rf.relu_moments(W, u)
    X, y = rf.gaussian_equivalent_data(m, 5, np.random.default_rng(6))
    assert X.shape == (5, 15) and y.shape == (5,)
    joint = np.block([[m.cov, m.b[:, None]], [m.b[None, :], np.array([[m.ey2]])]])
    z = np.random.default_rng(6).standard_normal((5, 16))
    expected = z @ np.real(scipy.linalg.sqrtm(joint))
    np.testing.assert_allclose(np.column_stack([X, y]), expected, atol=1e-6)


def test_experiment_unpruned_points_equal_dense():
    res = rf.experiment(4, 30, [8, 60], [10], 2, 3, 40, seed=0, data=rf.DATA_KINDS)
    for method in ("magnitude", "hessian"):
        assert np.all(res["theory"][10][method]["pruned"][:, 0] == res["theory_dense"][:, 0])
        for kind in rf.DATA_KINDS:
            sim = res["sim"][kind][10][method]
            assert np.all(sim["fresh"][:, 0] == res["sim_dense"][kind][:, 0])
            assert np.all(np.isfinite(sim["retrained"]))
    assert np.all(np.isfinite(res["theory"][10]["hessian"]["retrained"]))
    assert res["norm_cv"].shape == (2,) and np.all(res["norm_cv"] > 0)


def test_experiment_above_n_uses_the_overparameterized_retraining_theory():
    """s > n: the retrained theory (the DC of the kept units, on a few supports) and the
    simulated refit (an interpolator on s > n units) are finite and positive."""
    res = rf.experiment(4, 20, [10, 60], [40], 2, 3, 30, seed=1, retrain_draws=3)
    th = res["theory"][40]["magnitude"]
    assert np.all(np.isfinite(th["retrained"])) and np.all(th["retrained"][:, 1] > 0)
    assert np.all(res["sim"]["relu"][40]["magnitude"]["fresh"][:, 1] > 0)


def test_relative_gap_per_p_and_pooled():
    theory = np.array([[1.0, 2.0], [2.0, 4.0], [1.0, 1.0]])
    sim = theory * np.array([[1.1, 1.3], [1.3, 1.1], [1.2, 1.2]])
    mean, se = rf.relative_gap(sim, theory)
    np.testing.assert_allclose(mean, [0.2, 0.2])
    np.testing.assert_allclose(se, [0.1 / np.sqrt(3), 0.1 / np.sqrt(3)])
    pooled, pooled_se = rf.relative_gap(sim, theory, np.array([True, True]))
    assert pooled == pytest.approx(0.2) and pooled_se == pytest.approx(0.0, abs=1e-12)


def test_d_scan_separates_the_input_dimension_from_the_moments():
    """ReLU features of 4 inputs miss the theory by far more than Gaussian data with the same
    moments, and by far more than ReLU features of 40 inputs (the chapter's finding)."""
    scan = rf.d_scan([4, 40], 30, [10, 60], [5], 4, 150, 10, seed=0)
    assert sorted(scan) == [4, 40]
    assert all(r["d"] == d and r["data"] == rf.DATA_KINDS for d, r in scan.items())
    gap = {(d, k): rf.relative_gap(r["sim_dense"][k], r["theory_dense"])
           for d, r in scan.items() for k in rf.DATA_KINDS}
    g_relu, se_relu = gap[4, "relu"]
    g_gauss, se_gauss = gap[4, "gaussian"]
    assert abs(g_gauss[0]) < 4 * se_gauss[0]  # p < n: the theory is exact for Gaussian data
    assert g_relu[1] - g_gauss[1] > 3 * np.hypot(se_relu[1], se_gauss[1])
    g_hi, se_hi = gap[40, "relu"]
    assert g_relu[1] - g_hi[1] > 3 * np.hypot(se_relu[1], se_hi[1])
    np.testing.assert_allclose(  # sigma2 is the equivalent LGP's noise of the first p units
        scan[4]["sigma2"][:, 0] <= 3.0, True)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: rf.relu_moments(np.ones(3), np.ones(3) / np.sqrt(3)), "W"),
        (lambda: rf.relu_moments(np.ones((2, 3)), np.ones(3)), "u"),
        (lambda: rf.relu_moments(np.ones((2, 3)), np.ones(2)), "u"),
        (lambda: rf.relu_moments_mc(np.ones((2, 3)), np.ones(3) / np.sqrt(3), 0, None), "samples"),
        (lambda: rf.draw_problem(0, 3, None), "d"),
        (lambda: rf.experiment(3, 20, [20], [5], 1, 1, 10, 0), "n"),
        (lambda: rf.experiment(3, 20, [10], [19], 1, 1, 10, 0), "s_grid"),
        (lambda: rf.experiment(3, 20, [10], [5], 0, 1, 10, 0), "w_draws"),
        (lambda: rf.experiment(3, 20, [10], [5], 1, 1, 10, -1), r"^seed must be an integer in \[0"),
        (lambda: rf.experiment(3, 20, [10], [5], 1, 1, 10, None), "^seed"),
        (lambda: rf.experiment(3, 20, [10], [5], 1, 1, 10, 0, ("random",)), "^methods"),
        (lambda: rf.experiment(3, 20, [10], [5], 1, 1, 10, 0, data=("tanh",)), "^data"),
        (lambda: rf.experiment(3, 20, [10], [5], 1, 1, 10, 0, data="relu"), "^data"),
        (lambda: rf.gaussian_equivalent_data(np.eye(2), 5, np.random.default_rng(0)), "^m "),
        (lambda: rf.relative_gap(np.ones((1, 3)), np.ones((1, 3))), "^sim and theory"),
        (lambda: rf.relative_gap(np.ones((2, 3)), np.ones((2, 3)), np.zeros(3, bool)),
         "^columns"),
        (lambda: rf.d_scan([0], 20, [10], [5], 2, 1, 10, 0), "^d_grid"),
        (lambda: rf.draw_problem(3, 4, 0), "^rng must be a numpy.random.Generator"),
        (lambda: rf.sample_data(np.ones((2, 3)), np.ones(3) / np.sqrt(3), 5, 0), "^rng"),
        (lambda: rf.relu_moments_mc(np.ones((2, 3)), np.ones(3) / np.sqrt(3), 10, 0), "^rng"),
    ],
)
def test_invalid_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
