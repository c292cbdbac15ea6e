"""ReLU random features: closed-form second moments, Monte Carlo check, experiment driver."""

import numpy as np
import pytest

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


def test_experiment_unpruned_points_equal_dense():
    res = rf.experiment(4, 30, [8, 60], [10], 1, 3, 40, seed=0)
    for method in ("magnitude", "hessian"):
        assert res["theory"][10][method]["pruned"][0, 0] == res["theory_dense"][0, 0]
        assert res["sim"][10][method]["retrained"][0, 0] == res["sim_dense"][0, 0]
    assert np.all(np.isfinite(res["theory"][10]["hessian"]["retrained"]))


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
        (lambda: rf.draw_problem(3, 4, 0), "^rng must be a numpy.random.Generator"),
        (lambda: rf.sample_data(np.ones((2, 3)), np.ones(3) / np.sqrt(3), 5, 0), "^rng"),
        (lambda: rf.relu_moments_mc(np.ones((2, 3)), np.ones(3) / np.sqrt(3), 10, 0), "^rng"),
    ],
)
def test_invalid_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
