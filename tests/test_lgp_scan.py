"""The oracle-retraining line for any feature order and the scan of the paper's Fig. 3 claims
(prunedd_utils.theory.lgp.scan): closed forms, invariances, one small simulation."""

import numpy as np
import pytest

from prunedd_utils.theory import lgp


def test_spiked_settings_carry_the_same_saliency():
    for setting in ("a", "b"):
        lam, beta = lgp.spiked_problem(50, 5, 10.0, setting)
        assert np.allclose(lam * beta**2, [10.0] * 5 + [1.0] * 45)
        assert lgp.missing_energy(lam, beta, 5) == pytest.approx(45.0)


def test_oracle_retraining_risk_closed_form_any_order():
    rng = np.random.default_rng(0)
    lam, beta = rng.uniform(0.2, 5.0, 60), rng.normal(size=60)
    n, s, sigma = 100, 7, 0.4
    energy = np.sort(lam * beta**2)[::-1]
    missing = energy[s:].sum()
    assert lgp.missing_energy(lam, beta, s) == pytest.approx(missing, rel=1e-12)
    assert lgp.oracle_retraining_risk(lam, beta, sigma, n, s) == pytest.approx(
        (sigma**2 + missing) * (n - 1) / (n - s - 1), rel=1e-12)
    assert lgp.oracle_retraining_risk(lam, beta, sigma, n, s, exact=False) == pytest.approx(
        (sigma**2 + missing) * n / (n - s), rel=1e-12)


@pytest.mark.parametrize("s", [10, 40, 150, 300])  # s > n uses the DC of the s-feature model
def test_permuting_lambda_leaves_the_oracle_risk_unchanged(s):
    n, P = 200, 1000
    lam, beta = lgp.spiked_problem(P, s, 10.0, "b")
    perm = np.random.default_rng(1).permutation(P)
    sorted_risk = lgp.oracle_retraining_risk(lam, beta, 1.0, n, s)
    # beta = 1, so permuting lam alone permutes the saliencies
    assert lgp.oracle_retraining_risk(lam[perm], beta, 1.0, n, s) == pytest.approx(
        sorted_risk, rel=1e-12)
    # with the salient features first it is the dense risk of the first s features...
    assert lgp.theory_risk(lam, beta, 1.0, n, s) == pytest.approx(sorted_risk, rel=1e-12)
    # ...which stops being the oracle once the order is shuffled
    assert lgp.theory_risk(lam[perm], beta, 1.0, n, s) > 1.05 * sorted_risk
    # and the oracle + retraining curve of theory_curve at p = P agrees for any order
    if s < n:
        assert lgp.theory_risk(lam[perm], beta, 1.0, n, P, s, "oracle", True) == \
            pytest.approx(sorted_risk, rel=1e-12)


def test_oracle_retraining_risk_matches_simulation_and_beats_other_supports():
    # Least squares on the s most salient of P shuffled features, fitted on simulated data:
    # its mean population risk matches the line; another support of size s does worse.
    rng = np.random.default_rng(2)
    n, P, s, sigma, trials = 40, 30, 5, 0.5, 4000
    lam, beta = rng.uniform(0.3, 3.0, P), rng.normal(size=P)
    energy = lam * beta**2
    best = np.argsort(-energy)[:s]
    other = np.argsort(-energy)[1:s + 1]

    def simulated(kept):
        X = rng.standard_normal((trials, n, P)) * np.sqrt(lam)
        y = X @ beta + sigma * rng.standard_normal((trials, n))
        theta = lgp.min_norm(X[..., kept], y)
        full = np.zeros((trials, P))
        full[:, kept] = theta
        risks = sigma**2 + np.sum(lam * (full - beta) ** 2, axis=1)
        return risks.mean(), risks.std(ddof=1) / np.sqrt(trials)

    line = lgp.oracle_retraining_risk(lam, beta, sigma, n, s)
    mean, se = simulated(best)
    assert abs(mean - line) < 3 * se
    mean_other, se_other = simulated(other)
    assert mean_other > line + 3 * se_other


def test_claims_at_the_chapter_defaults():
    m = lgp.claim_margins(200, 1000, 40, 10.0, 1.0)
    assert m["line"] == pytest.approx((1 + 960) * 199 / 159, rel=1e-12)
    assert m["energy"] == pytest.approx(960.0)
    assert m["best_p_hp"] == 1000
    # the values behind the chapter's text: HP at P about 9 % below the line, (b) < (a)
    assert 0.85 < m["below_line"] < 0.95
    assert m["hp_b"] < m["op_b"] * 1.02 and m["hp_b"] < m["hp_a"]
    verdicts = {c: lgp.verdict(m[c], 0.01, lgp.scan.HOLD_TOL.get(c)) for c in lgp.CLAIMS}
    assert set(verdicts.values()) == {"holds"}


def test_claims_fail_when_noise_is_as_large_as_the_missing_energy():
    # P = 2n and sigma^2 = missing energy: the pruned large model loses to the small one
    # and its best p is just above s (pruning one weight), not p = P.
    n, P, s = 200, 400, 16
    sigma = np.sqrt(P - s)
    m = lgp.claim_margins(n, P, s, 10.0, sigma)
    assert lgp.verdict(m["below_line"]) == "fails"
    assert lgp.verdict(m["best_at_P"], hold_tol=1e-9) == "fails"
    assert m["best_p_hp"] < 2 * s


def test_verdict_bands():
    assert lgp.verdict(0.98) == "holds"
    assert lgp.verdict(0.995) == "close"
    assert lgp.verdict(1.005) == "close"
    assert lgp.verdict(1.02) == "fails"
    assert lgp.verdict(0.9999, hold_tol=1e-9) == "holds"
    with pytest.raises(ValueError, match="ratio must be a finite number"):
        lgp.verdict(np.nan)


def test_scan_rounds_sizes_sets_noise_and_prints_short_lines():
    problems = [dict(kappa=5, C=10, alpha=0.04, noise=0.0),
                dict(kappa=2, C=10, alpha=0.04, noise=1.0)]
    res = lgp.scan_claims(200, problems, points=20)
    assert [(r["P"], r["s"]) for r in res] == [(1000, 40), (400, 16)]
    assert res[0]["sigma"] == 0.0
    assert res[1]["sigma"] ** 2 == pytest.approx(400 - 16)
    assert res[1]["verdicts"]["below_line"] == "fails"
    table = lgp.scan_table(res).splitlines()
    assert len(table) == 2 + len(problems)
    assert max(len(line) for line in table) <= 90


@pytest.mark.parametrize("call,match", [
    (lambda: lgp.oracle_retraining_risk(np.ones(300), np.ones(300), 1.0, 200, 199), "s must"),
    (lambda: lgp.oracle_retraining_risk(np.ones(30), np.ones(30), 1.0, 200, 31), "s must"),
    (lambda: lgp.claim_margins(200, 201, 40, 10.0, 1.0), "P must"),
    (lambda: lgp.claim_margins(200, 1000, 200, 10.0, 1.0), "s must"),
    (lambda: lgp.spiked_problem(100, 5, 0.0, "b"), "C must"),
    (lambda: lgp.spiked_problem(100, 5, 2.0, "c"), "setting must"),
    (lambda: lgp.scan_claims(200, [dict(kappa=5, C=10, alpha=0.04)]), "noise"),
])
def test_invalid_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
