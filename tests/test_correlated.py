"""Lemma 1 (perfectly correlated features) and the equicorrelated family."""

import numpy as np
import pytest

from prunedd_utils.theory import correlated


@pytest.fixture(scope="module")
def lemma1_setting():
    rng = np.random.default_rng(0)
    p = 50
    return {"a": np.sqrt(rng.uniform(0.5, 2.0, p)), "beta": rng.standard_normal(p) / np.sqrt(p),
            "sigma": 0.5, "n": 20, "s": 10}


def test_lemma1_formulas_match_simulation(lemma1_setting):
    theory = correlated.lemma1_excess(**lemma1_setting)
    sim = correlated.simulate_lemma1(**lemma1_setting, trials=4000, rng=np.random.default_rng(1))
    for key in ("dense", "pruned", "retrained"):
        mean, se = sim[key]
        assert abs(mean - theory[key]) < 3 * se, (key, mean, se, theory[key])
    # same-sample retraining reproduces the dense predictions exactly
    assert sim["retrained"][0] == pytest.approx(sim["dense"][0], rel=1e-8)


def test_lemma1_pruning_bias_and_rho():
    p, s = 40, 10
    out = correlated.lemma1_excess(np.ones(p), np.ones(p) / p, 0.0, 30, s)
    assert out["rho"] == pytest.approx(s / p)
    assert out["pruned"] == pytest.approx((1 - s / p) ** 2)  # (a^T beta)^2 = 1, no noise
    assert out["retrained"] == 0.0


def test_lemma1_support_keeps_largest_entries():
    np.testing.assert_array_equal(correlated.lemma1_support([0.1, -3.0, 2.0, 0.5], 2), [1, 2])


def test_equicorrelated_family_endpoints():
    lam = np.array([1.0, 4.0, 9.0])
    np.testing.assert_allclose(correlated.equicorrelated_cov(lam, 0.0), np.diag(lam))
    cov = correlated.equicorrelated_cov(lam, 0.3)
    np.testing.assert_allclose(np.diag(cov), lam)
    corr = cov / np.sqrt(np.outer(lam, lam))
    np.testing.assert_allclose(corr[~np.eye(3, dtype=bool)], 0.3)
    assert np.linalg.matrix_rank(correlated.equicorrelated_cov(lam, 1.0)) == 1


def test_crossover_interpolates_the_sign_change():
    c = np.array([0.0, 0.1, 0.2, 0.3])
    assert correlated.crossover(c, [1, 1, 1, 1], [0.5, 0.9, 1.1, 1.5]) == 0.0
    assert np.isnan(correlated.crossover(c, [1, 1, 1, 1], [2, 2, 2, 2]))
    assert correlated.crossover(c, [1, 1, 1, 1], [1.2, 1.1, 0.9, 0.5]) == pytest.approx(0.15)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: correlated.equicorrelated_cov([1.0, 2.0], 1.5), "c"),
        (lambda: correlated.equicorrelated_cov([1.0, -2.0], 0.5), "lam"),
        (lambda: correlated.lemma1_excess(np.ones(5), np.ones(5), 1.0, 2, 2), "n"),
        (lambda: correlated.lemma1_excess(np.ones(5), np.ones(5), 1.0, 10, 0), "s"),
        (lambda: correlated.lemma1_excess(np.zeros(5), np.ones(5), 1.0, 10, 2), "a"),
        (lambda: correlated.lemma1_excess(np.ones(5), np.ones(4), 1.0, 10, 2), "beta"),
        (lambda: correlated.lemma1_excess(np.ones(5), np.ones(5), -1.0, 10, 2), "sigma"),
        (lambda: correlated.simulate_lemma1(np.ones(5), np.ones(5), 1.0, 10, 2, 1, None), "trials"),
        (lambda: correlated.crossover([0.2, 0.1], [1, 1], [1, 1]), "c"),
        (lambda: correlated.lemma1_support(np.ones(5), 2.5), r"^s must be an integer in \[1, 5\]"),
        (lambda: correlated.lemma1_support(np.ones(5), "2"), "^s must"),
        (lambda: correlated.simulate_lemma1(np.ones(5), np.ones(5), 1.0, 10, 2, 3, 0),
         "^rng must be a numpy.random.Generator"),
        (lambda: correlated.simulate_lemma1(np.ones(5), np.ones(5), 1.0, 10, 2, 3, None),
         "^rng must"),
    ],
)
def test_invalid_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_crossover_range_brackets_the_shifted_crossings():
    c = np.linspace(0.0, 0.3, 7)
    gap = 1 - 10 * c  # retrained - pruned, crosses 0 at c = 0.1
    low, mid, high = correlated.crossover_range(c, np.zeros(7), gap, np.full(7, 0.1))
    assert (low, mid, high) == pytest.approx((0.08, 0.1, 0.12))
    assert correlated.crossover_range(c, np.zeros(7), gap, np.zeros(7)) == pytest.approx(
        (0.1, 0.1, 0.1))
    with pytest.raises(ValueError, match="^se must"):
        correlated.crossover_range(c, np.zeros(7), gap, np.full(6, 0.1))
    with pytest.raises(ValueError, match="^k must"):
        correlated.crossover_range(c, np.zeros(7), gap, np.full(7, 0.1), k=-1)


def test_relative_gap_and_its_standard_error():
    gap, se = correlated.relative_gap([2.0, 4.0], [0.0, 0.1], [2.2, 4.0], [0.1, 0.2])
    np.testing.assert_allclose(gap, [0.1, 0.0])
    np.testing.assert_allclose(se, [0.05, np.hypot(0.05, 0.025)])
    with pytest.raises(ValueError, match="^theory must"):
        correlated.relative_gap([0.0], [0.0], [1.0], [0.1])


def test_family_problem_has_unit_signal():
    lam = np.linspace(1.0, 4.0, 10)
    for c in (0.0, 0.3, 1.0):
        m, beta = correlated.family_problem(lam, c, 0.5)
        assert beta @ m.cov @ beta == pytest.approx(1.0)
        assert m.ey2 == pytest.approx(1.25)


def test_family_experiment_theory_matches_simulation_and_splits_the_risk():
    """A small family: Def. 4/5 within 4 s.e. (+2 % finite-n allowance) of the simulation;
    the pruned risk is exactly sigma^2 + private + shared on the theory's own draws."""
    lam = np.where(np.arange(60) < 6, 10.0, 1.0)
    out = correlated.family_experiment(lam, [0.0, 0.3], 30, 6, 0.5, 4000, 400,
                                       np.random.default_rng(0), chunk=150)
    total = out["theory"]["magnitude"]["pruned"][:, 0]
    np.testing.assert_allclose(0.25 + out["shared"] + out["private"], total, rtol=1e-10)
    assert out["shared"][0] == 0.0
    dense_se = np.zeros(2)
    pairs = [(out["dense_theory"], dense_se, out["dense_sim"])]
    for k in ("magnitude", "hessian"):
        pairs += [(*out["theory"][k]["pruned"].T, out["sim"][k]["pruned"]),
                  (*out["theory"][k]["retrained"].T, out["sim"][k]["fresh"])]
    for th, th_se, sm in pairs:
        se = np.hypot(th_se, sm[:, 1])
        assert np.all(np.abs(sm[:, 0] - th) < 4 * se + 0.02 * th), (th, sm)
    # same-sample refits reuse the noise that chose the support: worse than fresh ones
    assert np.all(out["same_vs_fresh"]["magnitude"][:, 0] > 0)


def test_family_experiment_rejects_bad_grids():
    with pytest.raises(ValueError, match="^c_grid must"):
        correlated.family_experiment([1.0, 2.0, 3.0], [0.5, 1.5], 5, 1, 0.5, 10, 10,
                                     np.random.default_rng(0))
