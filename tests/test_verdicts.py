"""The seed-comparison rule of prunedd_utils.verdicts."""

import numpy as np
import pytest

from prunedd_utils import verdicts


def test_uncertainty_is_half_the_range_or_the_binomial_floor():
    assert verdicts.uncertainty([0.20, 0.24, 0.22], 10_000) == pytest.approx(0.02)
    # one seed: no range; sqrt(2 * 0.2 * 0.8 / 10_000) = 0.005657
    assert verdicts.uncertainty([0.2], 10_000) == pytest.approx(np.sqrt(0.32 / 10_000))


def test_compare_needs_a_gap_beyond_twice_the_larger_uncertainty():
    spread = [0.20, 0.21, 0.22]  # u = 0.01, margin 0.02
    assert verdicts.compare([0.17, 0.17, 0.17], spread, 10_000).outcome == "lower"
    assert verdicts.compare([0.19, 0.19, 0.19], spread, 10_000).outcome == "tie"
    high = verdicts.compare([0.25, 0.25, 0.25], spread, 10_000)
    assert high.outcome == "higher"
    assert high.gap == pytest.approx(0.04)
    assert high.margin == pytest.approx(0.02)


def test_compare_is_antisymmetric():
    a, b = [0.10, 0.12], [0.20, 0.25]
    assert verdicts.compare(a, b, 1000).outcome == "lower"
    assert verdicts.compare(b, a, 1000).outcome == "higher"


@pytest.mark.parametrize("bad", [[], [1.5], [float("nan")], [-0.1]])
def test_bad_errors_are_refused(bad):
    with pytest.raises(ValueError, match="errors in \\[0, 1\\]"):
        verdicts.compare(bad, [0.2], 100)


def test_bad_test_size_is_refused():
    with pytest.raises(ValueError, match="n_test must be"):
        verdicts.uncertainty([0.2], 0)


def test_band():
    assert verdicts.band([0.3, 0.1, 0.2]) == pytest.approx((0.2, 0.1, 0.3))


def test_seed_matrix_lays_out_one_row_per_seed_and_names_a_gap():
    from prunedd_utils.runs import seed_matrix

    rows = [{"seed": s, "width": w, "err": s + w / 10, "noise": 0} for s in (0, 1)
            for w in (1, 2)]
    assert seed_matrix(rows, "width", "err", [1, 2], [1, 0], noise=0) == [[1.1, 1.2],
                                                                          [0.1, 0.2]]
    with pytest.raises(ValueError, match="seed=2, width=1"):
        seed_matrix(rows, "width", "err", [1, 2], [2])
