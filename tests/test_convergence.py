"""Finite-n gaps between the DC and simulation (prunedd_utils.theory.lgp.convergence)."""

import numpy as np
import pytest

from prunedd_utils.theory.lgp import convergence as cv


def test_fit_rate_recovers_an_exact_power_law():
    ns = np.array([50, 100, 200, 400, 800])
    gaps = 3.0 * ns**-0.7
    fit = cv.fit_rate(ns, gaps, 0.1 * gaps)
    assert fit["slope"] == pytest.approx(-0.7, abs=1e-12)
    assert fit["log_c"] == pytest.approx(np.log(3.0), abs=1e-12)
    # No scatter: the slope's error is the plain weighted-least-squares one, log errors 0.1.
    x = np.log(ns)
    assert fit["slope_se"] == pytest.approx(0.1 / np.sqrt(np.sum((x - x.mean()) ** 2)))


def test_fit_rate_recovers_a_noisy_power_law_within_its_error():
    # 400 synthetic data sets of 6 gaps with 10 % log-normal scatter: the fitted slopes
    # scatter around the truth with the reported standard error (z-scores of unit spread).
    rng = np.random.default_rng(0)
    ns = np.array([50, 100, 200, 400, 800, 1600])
    z = []
    for _ in range(400):
        gaps = 2.0 * ns**-0.5 * np.exp(0.1 * rng.standard_normal(ns.size))
        fit = cv.fit_rate(ns, gaps, 0.1 * gaps)
        z.append((fit["slope"] + 0.5) / fit["slope_se"])
    z = np.array(z)
    # mean of 400 unit-variance z-scores: s.e. 0.05; the spread is <= 1 because the error
    # is inflated by sqrt(chi2_dof) whenever that exceeds one.
    assert abs(z.mean()) < 0.2
    assert 0.7 < z.std() <= 1.05


def test_fit_rate_inflates_the_error_of_a_bad_fit():
    ns = np.array([50, 100, 200, 400])
    gaps = np.array([1.0, 0.2, 0.8, 0.1])  # far from any power law at 1 % errors
    fit = cv.fit_rate(ns, gaps, 0.01 * gaps)
    assert fit["chi2_dof"] > 100
    plain = cv.fit_rate(ns, 3.0 * ns**-0.5, 0.03 * ns**-0.5)
    assert fit["slope_se"] > 10 * plain["slope_se"]


@pytest.mark.parametrize("args, match", [
    (([50, 100], [0.1, 0.05], [0.01, 0.01]), "^ns must be a 1-D sequence of at least 3"),
    (([50, 100, 200], [0.1, 0.05], [0.01, 0.01]), "^gaps must have the shape of ns"),
    (([50, 100, 200], [0.1, 0.0, 0.02], [0.01] * 3), r"^gaps must have entries in \(0, inf\)"),
    (([50, 100, 200], [0.1] * 3, [0.01, -1, 0.01]), r"^errors must have entries in \(0, inf\)"),
    (([50, 50, 50], [0.1] * 3, [0.01] * 3), "^ns must hold at least 2 distinct"),
])
def test_fit_rate_rejects_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        cv.fit_rate(*args)


def test_with_error_rounds_to_the_uncertainty():
    assert cv.with_error(-0.4987, 0.0432) == "-0.50 ± 0.04"
    assert cv.with_error(-0.4987, 0.0132) == "-0.499 ± 0.013"
    assert cv.with_error(123.4, 12.0) == "123 ± 12"
    assert cv.with_error(-0.001, 0.04) == "0.00 ± 0.04"
    with pytest.raises(ValueError, match=r"^error must be a real number in \(0.0, inf\]"):
        cv.with_error(1.0, 0.0)


def test_scaled_example_keeps_the_ratios_and_the_signal():
    from scipy.special import ndtri

    for n in (40, 400):
        lam, beta, sigma_p = cv.scaled_example(n, kappa=3.0, total_ratio=5.0, signal=20.0)
        assert lam.size == beta.size == 3 * n
        assert lam.min() >= 0.2 - 1e-12 and lam.max() <= 5.0 + 1e-12
        assert sigma_p > 1.0  # the 2n unused features add their signal to the noise
        # With P = p nothing is folded into the noise, and the whole spectrum and the whole
        # vector of quantiles are there, in some order: exact checks.
        lam, beta, sigma_p = cv.scaled_example(n, kappa=3.0, total_ratio=3.0, signal=20.0)
        np.testing.assert_allclose(np.sort(lam), np.geomspace(0.2, 5.0, 3 * n))
        q = ndtri((np.arange(3 * n) + 0.5) / (3 * n))
        assert beta @ beta == pytest.approx(20.0 * np.mean(q**2), rel=1e-12)
        assert sigma_p == 1.0
    with pytest.raises(ValueError, match=r"^kappa must be a real number in \(1.0, inf\]"):
        cv.scaled_example(100, kappa=0.5)
    with pytest.raises(ValueError, match="^kappa must make p = round"):
        cv.scaled_example(10, kappa=1.01)
    with pytest.raises(ValueError, match=r"^total_ratio must be a real number in \[3.0, inf\]"):
        cv.scaled_example(100, kappa=3.0, total_ratio=2.0)


def test_lambda_groups_are_equal_count_rank_groups():
    lam = np.array([5.0, 0.1, 2.0, 2.0, 0.3, 9.0])
    np.testing.assert_array_equal(cv.lambda_groups(lam, 3), [2, 0, 1, 1, 0, 2])
    with pytest.raises(ValueError, match=r"^n_groups must be an integer in \[1, 6\]"):
        cv.lambda_groups(lam, 7)


def test_coefficient_theory_matches_gaussian_draws():
    # The closed forms (second moment, folded-normal mean, cross moment) against 200,000
    # Gaussian draws per coordinate: each group average has relative s.e. below 0.3 %.
    rng = np.random.default_rng(1)
    p, draws = 12, 200_000
    mean, var, b = rng.normal(0, 1, p), rng.uniform(0.2, 2, p), rng.normal(0, 1, p)
    groups = np.arange(p) % 3
    w = mean + np.sqrt(var) * rng.standard_normal((draws, p))
    stats = cv.coefficient_statistics(w, b, groups, 3).mean(axis=0)
    theory = cv.coefficient_theory(mean, var, b, groups, 3)
    np.testing.assert_allclose(stats[:, :2], theory[:, :2], rtol=0.01)
    # w*b has mean m*b, which may be near zero in a group: compare on the absolute scale.
    np.testing.assert_allclose(stats[:, 2], theory[:, 2], atol=0.02)


def test_finite_n_gap_shrinks_with_n_and_has_no_resolved_bias():
    # kappa = 2, n = 20 against n = 160: Theorem 1 says the per-data-set gap vanishes, at the
    # CLT rate n^-1/2, so the rms gap of the risk should fall by about sqrt(8) ~ 2.8. We only
    # assert a fall beyond 4 combined standard errors. The mean gap (systematic part) is
    # O(1/n); at these trial counts it must be within 4 s.e. plus a 3 % allowance at n = 20.
    out = {}
    for n, trials in ((20, 400), (160, 40)):
        lam, beta, sigma_p = cv.scaled_example(n, kappa=2.0, total_ratio=3.0, seed=n)
        gap = cv.finite_n_gap(lam, beta, sigma_p, n, trials=trials, seed=n + 1)
        assert gap["risk"].shape == (trials,) and gap["coef"].shape == (trials, 3, 3)
        out[n] = (cv.gap_summary(gap["risk"]), cv.gap_summary(gap["coef"]))
    small, large = out[20][0], out[160][0]
    assert small["rms"] - large["rms"] > 4 * np.hypot(small["rms_se"], large["rms_se"])
    for risk, _ in out.values():
        assert abs(risk["mean"]) < 4 * risk["mean_se"] + 0.03
    # The coefficient law: every group and test function has a smaller rms gap at n = 160.
    assert np.all(out[160][1]["rms"] < out[20][1]["rms"])


def test_finite_n_gap_rejects_bad_arguments():
    lam, beta, sigma_p = cv.scaled_example(20, kappa=2.0)
    with pytest.raises(ValueError, match=r"^len\(lam\) must be in \[n \+ 1, inf\)"):
        cv.finite_n_gap(lam, beta, sigma_p, 40)
    with pytest.raises(ValueError, match=r"^trials must be an integer in \[2, inf\]"):
        cv.finite_n_gap(lam, beta, sigma_p, 20, trials=1)
    with pytest.raises(ValueError, match=r"^n_groups must be an integer in \[1, 40\]"):
        cv.finite_n_gap(lam, beta, sigma_p, 20, n_groups=41)
    with pytest.raises(ValueError, match="^beta must be a 1-D array of length 40"):
        cv.finite_n_gap(lam, beta[:-1], sigma_p, 20)
    with pytest.raises(ValueError, match="^gaps must be finite with at least 2 rows"):
        cv.gap_summary([0.1])


def test_convergence_study_shapes_and_schedule():
    np.testing.assert_array_equal(cv.trial_schedule([25, 50, 100], 4), [32, 11, 4])
    out = cv.convergence_study([20, 40, 80], kappa=2.0, trials_at_max=4, total_ratio=3.0)
    np.testing.assert_array_equal(out["trials"], [32, 11, 4])
    assert out["risk"]["rms"].shape == (3,) and out["coef"]["rms"].shape == (3, 3, 3)
    assert out["coef_pooled"]["rms"].shape == (3, 3)
    # pooled rms^2 is the mean over groups of the per-group rms^2
    np.testing.assert_allclose(out["coef_pooled"]["rms"] ** 2,
                               np.mean(out["coef"]["rms"] ** 2, axis=1))
    with pytest.raises(ValueError, match="^ns must hold distinct sample sizes"):
        cv.convergence_study([20, 20, 40], kappa=2.0, trials_at_max=2)
    with pytest.raises(ValueError, match=r"^n must be an integer in \[2, inf\]"):
        cv.trial_schedule([1, 10], 4)
