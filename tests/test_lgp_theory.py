"""Closed forms and internal consistency of the LGP theory (prunedd_utils.theory.lgp): no
sampling of data sets here except small Monte Carlo checks of the DC itself."""

import numpy as np
import pytest
from scipy import integrate, stats

from prunedd_utils.theory import lgp


def spiked(P=1000, s=40, C=10.0):
    lam = np.ones(P)
    lam[:s] = C
    return lam


# --- the fixed point ------------------------------------------------------------------------

@pytest.mark.parametrize("p,n", [(400, 200), (201, 200), (5000, 100)])
def test_solve_zeta_isotropic_closed_form(p, n):
    # With Sigma = I the equation p/(1+zeta) = n gives zeta = p/n - 1.
    assert lgp.solve_zeta(np.ones(p), n) == pytest.approx(p / n - 1, rel=1e-10)


def test_solve_zeta_solves_both_forms_of_the_fixed_point():
    rng = np.random.default_rng(0)
    lam = rng.uniform(0.1, 5.0, 700)
    n = 300
    zeta = lgp.solve_zeta(lam, n)
    assert np.sum(lam / (lam + zeta)) == pytest.approx(n, rel=1e-12)
    # The paper's eq. (8) in xi = 1/zeta: kappa * mean(xi lam / (1 + xi lam)) = 1.
    xi, kappa = 1 / zeta, lam.size / n
    assert kappa * np.mean(xi * lam / (1 + xi * lam)) == pytest.approx(1.0, rel=1e-12)


def test_solve_zeta_near_threshold_stays_accurate():
    lam = np.geomspace(0.01, 100, 1001)
    zeta = lgp.solve_zeta(lam, 1000)
    assert zeta > 0
    assert np.sum(lam / (lam + zeta)) == pytest.approx(1000, rel=1e-12)


# --- dense risk -----------------------------------------------------------------------------

@pytest.mark.parametrize("p", [300, 450, 1000])
def test_dense_tau2_isotropic_overparameterized(p):
    # Hastie et al. (2019): sigma^2 p/(p-n) + ||beta||^2 (1 - n/p) for Sigma = I, p > n.
    n, sigma = 200, 0.7
    beta = np.random.default_rng(1).normal(size=p) / np.sqrt(p)
    expected = sigma**2 * p / (p - n) + beta @ beta * (1 - n / p)
    assert lgp.dense_tau2(np.ones(p), beta, sigma, n) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("p", [1, 50, 150])
def test_dense_tau2_underparameterized_exact_and_asymptotic(p):
    n, sigma = 200, 1.3
    lam, beta = np.linspace(0.5, 2.0, p), np.ones(p)
    assert lgp.dense_tau2(lam, beta, sigma, n) == pytest.approx(sigma**2 * (n - 1) / (n - p - 1))
    assert lgp.dense_tau2(lam, beta, sigma, n, exact=False) == pytest.approx(
        sigma**2 * n / (n - p))


def test_dense_tau2_matches_hmrt_general_covariance_form():
    # Spec 4.4: variance part sigma^2 xi S2/S1 and bias part (1 + xi S2/S1) sum lam b^2/(1+xi lam)^2
    # with S1 = sum lam/(1+xi lam)^2, S2 = sum lam^2/(1+xi lam)^2; HMRT's risk excludes sigma^2.
    rng = np.random.default_rng(2)
    lam, beta, n, sigma = rng.uniform(0.2, 4, 600), rng.normal(size=600) / 20, 250, 0.8
    xi = 1 / lgp.solve_zeta(lam, n)
    s1 = np.sum(lam / (1 + xi * lam) ** 2)
    s2 = np.sum(lam**2 / (1 + xi * lam) ** 2)
    bias = (1 + xi * s2 / s1) * np.sum(lam * beta**2 / (1 + xi * lam) ** 2)
    hmrt = sigma**2 * xi * s2 / s1 + bias
    assert lgp.dense_tau2(lam, beta, sigma, n) == pytest.approx(sigma**2 + hmrt, rel=1e-9)


@pytest.mark.parametrize("p", [60, 500])
def test_dc_moments_reproduce_dense_risk(p):
    # The test function lam (x - b)^2 of Theorem 1 integrated against the DC gives tau^2 back.
    rng = np.random.default_rng(3)
    lam, beta, n, sigma = rng.uniform(0.5, 3, p), rng.normal(size=p) / 10, 200, 1.0
    mean, var = lgp.dc_moments(lam, beta, sigma, n)
    risk = sigma**2 + np.sum(lam * (var + (mean - beta) ** 2))
    assert risk == pytest.approx(lgp.dense_tau2(lam, beta, sigma, n), rel=1e-10)


def test_divergence_on_both_sides_of_the_threshold():
    lam, beta = np.ones(400), np.full(400, 0.05)
    left = [lgp.dense_tau2(lam[:p], beta[:p], 1.0, 200) for p in (150, 190, 198)]
    right = [lgp.dense_tau2(lam[:p], beta[:p], 1.0, 200) for p in (250, 210, 202)]
    assert left[0] < left[1] < left[2] > 50 and right[0] < right[1] < right[2] > 50


# --- pruning formulas -----------------------------------------------------------------------

@pytest.mark.parametrize("mu,var,b,t", [(0.3, 0.04, 0.5, 0.2), (-1.0, 0.5, -0.8, 1.5),
                                        (0.0, 1.0, 0.0, 0.0), (2.0, 0.01, 1.0, 0.1)])
def test_threshold_loss_matches_quadrature(mu, var, b, t):
    lam = 1.7
    sd = np.sqrt(var)

    def integrand(x):
        return lam * ((x if abs(x) > t else 0.0) - b) ** 2 * stats.norm.pdf(x, mu, sd)

    edges = [mu - 12 * sd, -t, t, mu + 12 * sd]
    quad = sum(integrate.quad(integrand, lo, hi, limit=200)[0]
               for lo, hi in zip(sorted(edges)[:-1], sorted(edges)[1:], strict=True))
    assert lgp.threshold_loss(lam, mu, var, b, t) == pytest.approx(quad, rel=1e-7, abs=1e-12)


def _dc_top_s_sample(lam, beta, sigma, n, p, s, method, draws, seed):
    """Pruned risks with the exact top-s of independent draws from the DC (Def. 4)."""
    lam_p, beta_p = lam[:p], beta[:p]
    sig2 = sigma**2 + np.sum(lam[p:] * beta[p:] ** 2)
    mean, var = lgp.dc_moments(lam_p, beta_p, np.sqrt(sig2), n)
    rng = np.random.default_rng(seed)
    x = mean + np.sqrt(var) * rng.standard_normal((draws, p))
    score = np.abs(x) * (1.0 if method == "magnitude" else np.sqrt(lam_p))
    keep = np.zeros_like(x, dtype=bool)
    np.put_along_axis(keep, np.argpartition(-score, s - 1, axis=1)[:, :s], True, axis=1)
    return sig2 + np.sum(lam_p * (np.where(keep, x, 0.0) - beta_p) ** 2, axis=1)


# The threshold law replaces "exact top-s of p coordinates" by "above the threshold whose
# expected count is s". The count of the threshold set fluctuates by O(sqrt(s)) around s, but
# the coordinates near the threshold are those whose removal barely changes the risk, so the
# two expectations differ only at second order: about 0.3 % at s = 40 (measured with 4000
# draws while writing this test). Tolerance: 0.5 % for that bias plus 4 Monte Carlo standard
# errors of the sampled mean (two-sided false-alarm probability 6e-5 per comparison under a
# normal approximation, which 2000 draws justify).
@pytest.mark.parametrize("setting", ["a", "b"])
@pytest.mark.parametrize("method", ["magnitude", "hessian"])
@pytest.mark.parametrize("p", [120, 400, 1000])
def test_threshold_formula_matches_exact_top_s_sampling(setting, method, p):
    n, s, sigma = 200, 40, 1.0
    lam_sp = spiked()
    lam, beta = (np.ones(1000), np.sqrt(lam_sp)) if setting == "a" else (lam_sp, np.ones(1000))
    risks = _dc_top_s_sample(lam, beta, sigma, n, p, s, method, draws=2000, seed=4)
    se = risks.std(ddof=1) / np.sqrt(risks.size)
    theory = lgp.theory_risk(lam, beta, sigma, n, p, s, method)
    assert abs(risks.mean() - theory) <= 4 * se + 0.005 * theory


@pytest.mark.parametrize("method", ["magnitude", "hessian"])
@pytest.mark.parametrize("p", [120, 400, 1000])
def test_keep_probability_retraining_matches_def5_sampling(method, p):
    # Same 0.5 % bias allowance as above. dc_retrain_risk_mc returns no standard error, so
    # its Monte Carlo spread is bounded by two independent seeds agreeing within 0.5 %.
    n, s, sigma = 200, 40, 1.0
    lam, beta = spiked(), np.ones(1000)
    theory = lgp.theory_risk(lam, beta, sigma, n, p, s, method, retrain=True)
    sampled = [lgp.dc_retrain_risk_mc(lam, beta, sigma, n, p, s, method, draws=1000, seed=k)
               for k in (0, 1)]
    assert abs(sampled[0] - sampled[1]) < 0.005 * theory
    assert np.mean(sampled) == pytest.approx(theory, rel=0.005)


def test_nothing_pruned_when_s_at_least_p():
    lam, beta = spiked(), np.ones(1000)
    dense = lgp.theory_risk(lam, beta, 1.0, 200, 30)
    for method in ("magnitude", "hessian", "oracle"):
        for retrain in (False, True):
            assert lgp.theory_risk(lam, beta, 1.0, 200, 30, 40, method, retrain) == dense


def test_oracle_retraining_line_is_training_on_the_salient_features():
    # Spec 5: S = top-s saliency, fresh retrain risk sigma_S^2 (n-1)/(n-s-1) = dense risk at p = s.
    n, s, lam, beta = 200, 40, spiked(), np.ones(1000)
    line = (1.0 + np.sum(lam[s:] * beta[s:] ** 2)) * (n - 1) / (n - s - 1)
    for p in (100, 500, 1000):
        assert lgp.theory_risk(lam, beta, 1.0, n, p, s, "oracle", True) == pytest.approx(line)
    assert lgp.theory_risk(lam, beta, 1.0, n, s) == pytest.approx(line)


def test_theory_curve_equals_pointwise_theory_risk():
    lam, beta, ps = spiked(), np.ones(1000), [10, 100, 300, 1000]
    for method, retrain in [("magnitude", False), ("hessian", True), ("oracle", False)]:
        curve = lgp.theory_curve(lam, beta, 1.0, 200, ps, 40, method, retrain)
        single = [lgp.theory_risk(lam, beta, 1.0, 200, p, 40, method, retrain) for p in ps]
        np.testing.assert_allclose(curve, single, rtol=1e-9)


# The noiseless under-parameterized problem (sigma = 0, p < n - 1) has a closed form: the
# dense solution is beta exactly (zero variance), so pruning keeps the s largest |beta_i|
# (scores sqrt(lam_i)|beta_i| for Hessian) and the risk is the dropped energy
# sum_{i not kept} lam_i beta_i^2; fresh retraining multiplies it by (n-1)/(n-s-1). With ties
# at the cut (chapter 02's denoising example: 10 coefficients 1, 90 coefficients 0.1) the
# threshold solver must return the right side of the jump: a threshold at the tied value
# half-keeps the 90 small coefficients and gives 0.45 instead of 0.9.
@pytest.mark.parametrize("method", ["magnitude", "hessian"])
@pytest.mark.parametrize("case", ["ties", "distinct"])
def test_noiseless_pruning_matches_dropped_energy(method, case):
    n, p, s = 120, 100, 10
    if case == "ties":
        lam, beta = np.ones(p), np.where(np.arange(p) < s, 1.0, 0.1)
        kept = np.arange(s)
    else:
        lam = np.linspace(0.5, 2.0, p)
        beta = np.random.default_rng(12).permutation(np.linspace(0.05, 1.0, p))
        score = np.abs(beta) * (1.0 if method == "magnitude" else np.sqrt(lam))
        kept = np.argsort(-score)[:s]
    dropped = np.sum(lam * beta**2) - np.sum(lam[kept] * beta[kept] ** 2)
    if case == "ties":
        assert dropped == pytest.approx(0.9)
    pruned = lgp.theory_risk(lam, beta, 0.0, n, p, s, method)
    retrained = lgp.theory_risk(lam, beta, 0.0, n, p, s, method, retrain=True)
    assert pruned == pytest.approx(dropped, rel=1e-12)
    assert retrained == pytest.approx(dropped * (n - 1) / (n - s - 1), rel=1e-12)


def test_threshold_solver_keeps_exactly_s_of_point_masses():
    """Zero variance: the count P(|X_i| >= t) jumps; t must sit just right of the jump."""
    from prunedd_utils.theory.lgp.risk import keep_probability, solve_threshold

    mu = np.array([3.0, -2.0, 1.0, 1.0, 1.0, 0.5])
    var, weight = np.zeros(6), np.ones(6)
    for s, kept in ((1, 1), (2, 2), (3, 2), (5, 5)):  # s = 3, 4 fall inside the tie at 1.0
        t = solve_threshold(mu, var, weight, s)[0]
        assert keep_probability(mu, var, t).sum() == kept, (s, t)
        assert np.sort(np.abs(mu))[::-1][kept] <= t  # the first dropped value is at or below t
        assert t < np.sort(np.abs(mu))[::-1][kept - 1] if kept else True
    # two problems back to back get their own thresholds
    t2 = solve_threshold(np.concatenate([mu, 10 * mu]), np.zeros(12), np.ones(12), 2,
                         starts=np.array([0, 6]))
    assert keep_probability(mu, var, t2[0]).sum() == 2
    assert keep_probability(10 * mu, var, t2[1]).sum() == 2
    assert t2[1] == pytest.approx(10 * t2[0], rel=1e-12)


# --- extreme units --------------------------------------------------------------------------

@pytest.mark.parametrize(("x_scale", "y_scale"), [
    (1e-300, 1.0), (1e-200, 1.0), (1e160, 1.0), (1e300, 1.0), (1.0, 1e-300), (1.0, 1e300),
    (1e-200, 1e-250), (1e160, 1e250), (1e300, 1e100), (1e-300, 1e-100),
])
def test_extreme_units_give_the_same_answer(x_scale, y_scale):
    """lam -> lam x_scale, beta -> beta sqrt(y_scale / x_scale), sigma -> sigma sqrt(y_scale).

    The same problem in other units: risks scale by y_scale, zeta by x_scale, variances of
    the weights by y_scale / x_scale (kept within float range by the choice of pairs).
    Before: NaN with only a RuntimeWarning ((lam + zeta)^2 over- or underflowed).
    """
    import warnings

    lam, beta, n = spiked(300, 20), np.ones(300) / 10, 100
    beta_x = beta * np.sqrt(y_scale) / np.sqrt(x_scale)
    sigma_x = np.sqrt(y_scale)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lgp.solve_zeta(lam * x_scale, n) / x_scale == pytest.approx(
            lgp.solve_zeta(lam, n), rel=1e-12)
        for p in (60, 300):
            mean, var = lgp.dc_moments(lam[:p] * x_scale, beta_x[:p], sigma_x, n)
            base_mean, base_var = lgp.dc_moments(lam[:p], beta[:p], 1.0, n)
            np.testing.assert_allclose(mean * np.sqrt(x_scale) / np.sqrt(y_scale), base_mean,
                                       rtol=1e-10)
            np.testing.assert_allclose(var * x_scale / y_scale, base_var, rtol=1e-10)
        for method, retrain in [("dense", False), ("magnitude", False), ("hessian", True),
                                ("oracle", True), ("magnitude", True)]:
            s = None if method == "dense" else 20
            got = lgp.theory_curve(lam * x_scale, beta_x, sigma_x, n, [60, 150, 300], s, method,
                                   retrain)
            base = lgp.theory_curve(lam, beta, 1.0, n, [60, 150, 300], s, method, retrain)
            np.testing.assert_allclose(got / y_scale, base, rtol=1e-9)
        # retraining with s > n is Monte Carlo over the DC: same draws, same answer
        got = lgp.dc_retrain_risk_mc(lam * x_scale, beta_x, sigma_x, n, 300, 120, "hessian",
                                     draws=20)
        base = lgp.dc_retrain_risk_mc(lam, beta, 1.0, n, 300, 120, "hessian", draws=20)
        assert got / y_scale == pytest.approx(base, rel=1e-9)


def test_hessian_equals_magnitude_with_identity_covariance():
    lam, beta = np.ones(1000), np.sqrt(spiked())
    for p in (150, 600):
        assert lgp.theory_risk(lam, beta, 1.0, 200, p, 40, "hessian") == pytest.approx(
            lgp.theory_risk(lam, beta, 1.0, 200, p, 40, "magnitude"), rel=1e-9)


# --- invalid inputs -------------------------------------------------------------------------

GOOD = dict(lam=np.ones(50), beta=np.ones(50), sigma=1.0, n=20, p=30, s=5, method="magnitude")


@pytest.mark.parametrize("change,name", [
    (dict(lam=-np.ones(50)), "lam"),
    (dict(lam=np.ones((5, 10))), "lam"),
    (dict(beta=np.ones(49)), "beta"),
    (dict(beta=np.full(50, np.nan)), "beta"),
    (dict(sigma=-1.0), "sigma"),
    (dict(n=0), "n"),
    (dict(n=2.5), "n"),
    (dict(p=0), "p"),
    (dict(p=51), "p"),
    (dict(p=20), "p"),
    (dict(s=0), "s"),
    (dict(s=None), "s"),
    (dict(method="random"), "method"),
])
def test_theory_risk_rejects_invalid_arguments(change, name):
    with pytest.raises(ValueError, match=rf"^{name}"):
        lgp.theory_risk(**{**GOOD, **change})


@pytest.mark.parametrize("call", [
    lambda: lgp.theory_curve(np.ones(50), np.ones(50), 1.0, 20, [30], 25, "magnitude", True,
                             seed=-1),
    lambda: lgp.theory_curve(np.ones(50), np.ones(50), 1.0, 20, [30], seed=1.5),
    lambda: lgp.dc_retrain_risk_mc(np.ones(50), np.ones(50), 1.0, 20, 30, 25, "magnitude",
                                   seed=-1),
])
def test_seed_is_checked_before_any_compute(call):
    with pytest.raises(ValueError, match=r"^seed must be an integer in \[0, inf\]"):
        call()


def test_retraining_near_s_equal_n_is_rejected():
    with pytest.raises(ValueError, match="^s must"):
        lgp.theory_risk(**{**GOOD, "s": 19}, retrain=True)
    with pytest.raises(ValueError, match="^retrain"):
        lgp.theory_risk(**GOOD, retrain="yes")


@pytest.mark.parametrize("func", [lgp.dense_tau2, lgp.dc_moments])
def test_dc_functions_reject_p_equal_n(func):
    with pytest.raises(ValueError, match="^len\\(lam\\)"):
        func(np.ones(20), np.ones(20), 1.0, 20)


def test_solve_zeta_rejects_underparameterized():
    with pytest.raises(ValueError, match="^len\\(lam\\)"):
        lgp.solve_zeta(np.ones(20), 20)
    with pytest.raises(ValueError, match="^lam"):
        lgp.solve_zeta(np.array([1.0, 0.0, 1.0]), 1)
