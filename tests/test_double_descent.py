"""The double-descent rules on hand-made width sweeps, and the width-sweep plot panel."""

from __future__ import annotations

import numpy as np
import pytest

from prunedd_utils import double_descent as dd

WIDTHS = [1, 2, 4, 8, 16, 32, 64]
# falls to 0.25 at h=4, rises to 0.30 at h=16, falls to 0.20 at h=64
DD_CURVE = [0.60, 0.40, 0.25, 0.27, 0.30, 0.24, 0.20]
DD_TRAIN = [0.50, 0.30, 0.15, 0.05, 0.005, 0.0, 0.0]


def test_interpolation_threshold_is_the_first_width_below_tol():
    assert dd.interpolation_threshold(WIDTHS, DD_TRAIN) == 16
    assert dd.interpolation_threshold(WIDTHS, DD_TRAIN, tol=0.1) == 8
    # strictly below tol
    assert dd.interpolation_threshold([1, 2], [0.02, 0.01], tol=0.01) is None


def test_interpolation_threshold_never_reached_is_none():
    assert dd.interpolation_threshold(WIDTHS, [0.5, 0.4, 0.3, 0.2, 0.15, 0.12, 0.11]) is None
    r = dd.find_peak(WIDTHS, DD_CURVE, [0.3] * len(WIDTHS))
    assert r.threshold is None and r.holds  # the threshold does not enter the verdict


def test_clear_double_descent():
    r = dd.find_peak(WIDTHS, DD_CURVE, DD_TRAIN)
    assert (r.threshold, r.bottom, r.peak) == (16, 2, 4)
    assert r.widths[r.bottom] == 4 and r.widths[r.peak] == 16
    assert r.rise == pytest.approx(0.05) and r.fall == pytest.approx(0.10)
    assert r.holds is True
    assert r.seeds == 1 and r.spread == (0.0,) * len(WIDTHS) and r.peak_spread == 0.0


def test_monotone_curve_has_no_bottom_and_no_peak():
    r = dd.find_peak(WIDTHS, [0.7, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15])
    assert r.bottom is None and r.peak is None
    assert (r.rise, r.fall, r.holds, r.threshold) == (0.0, 0.0, False, None)


def test_rise_only_at_the_widest_width_is_no_peak():
    r = dd.find_peak([1, 2, 4, 8], [0.5, 0.4, 0.3, 0.35])
    assert r.bottom == 2 and r.peak is None and not r.holds


def test_rise_below_min_change_does_not_hold():
    y = [0.60, 0.40, 0.300, 0.305, 0.302, 0.25, 0.20]
    r = dd.find_peak(WIDTHS, y, min_change=0.01)
    assert (r.bottom, r.peak) == (2, 3)
    assert r.rise == pytest.approx(0.005) and r.fall == pytest.approx(0.105)
    assert not r.holds
    assert dd.find_peak(WIDTHS, y, min_change=0.001).holds


def test_fall_below_min_change_does_not_hold():
    r = dd.find_peak(WIDTHS, [0.6, 0.4, 0.25, 0.30, 0.32, 0.315, 0.314])
    assert r.peak == 4 and r.rise > 0.01 and r.fall < 0.01 and not r.holds


def test_flat_step_counts_as_the_bottom_and_ties_take_the_first_peak():
    r = dd.find_peak([1, 2, 3, 4, 5, 6], [0.5, 0.3, 0.3, 0.4, 0.4, 0.2])
    assert (r.bottom, r.peak) == (1, 3)


def test_per_seed_curves_decide_on_the_mean_and_report_the_spread():
    seeds = np.array([DD_CURVE, np.array(DD_CURVE) + 0.02, np.array(DD_CURVE) - 0.02])
    r = dd.find_peak(WIDTHS, seeds, np.array([DD_TRAIN] * 3))
    assert r.seeds == 3 and (r.threshold, r.bottom, r.peak) == (16, 2, 4)
    np.testing.assert_allclose(r.err, DD_CURVE)
    np.testing.assert_allclose(r.spread, 0.04)
    assert r.peak_spread == pytest.approx(0.04)
    assert r.holds and dd.find_peak(WIDTHS, seeds, beyond_spread=True).holds
    # a noisy peak: the rise (0.05) is above min_change but within the seed spread (0.14)
    noisy = seeds.copy()
    noisy[1, 4] += 0.05
    noisy[2, 4] -= 0.05
    assert dd.find_peak(WIDTHS, noisy).holds
    r = dd.find_peak(WIDTHS, noisy, beyond_spread=True)
    assert r.peak_spread == pytest.approx(0.14) and not r.holds


def test_one_seed_as_a_2d_array_equals_the_1d_curve():
    a, b = dd.find_peak(WIDTHS, DD_CURVE, DD_TRAIN), dd.find_peak(WIDTHS, [DD_CURVE], [DD_TRAIN])
    assert a == b


def test_largest_rise():
    assert dd.largest_rise(DD_CURVE) == pytest.approx(0.03)
    assert dd.largest_rise([0.5, 0.4, 0.3]) == 0.0
    assert dd.largest_rise([[0.5, 0.6], [0.5, 0.4]]) == 0.0  # of the mean curve


@pytest.mark.parametrize("call, message", [
    (lambda: dd.find_peak([1, 2, 3], [0.1, 0.2]), "shape"),
    (lambda: dd.find_peak([1, 4, 2], [0.1, 0.2, 0.3]), "strictly increasing"),
    (lambda: dd.find_peak([], []), "non-empty"),
    (lambda: dd.find_peak([1, 2], [0.1, float("nan")]), "finite"),
    (lambda: dd.find_peak([1, 2], [0.1, 0.2], min_change=-1), "min_change"),
    (lambda: dd.interpolation_threshold([1, 2], [[[0.1, 0.2]]]), "shape"),
    (lambda: dd.best_epoch([{"epoch": 1, "train_err": 0.3}]), "test_err"),
])
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_best_epoch_skips_unevaluated_epochs_and_takes_the_earliest_tie():
    history = [
        {"epoch": 1, "train_err": 0.5},
        {"epoch": 2, "train_err": 0.4, "test_err": 0.30},
        {"epoch": 3, "train_err": 0.3},
        {"epoch": 4, "train_err": 0.2, "test_err": 0.25},
        {"epoch": 5, "train_err": 0.1, "test_err": 0.25},
        {"epoch": 6, "train_err": 0.0, "test_err": 0.28},
    ]
    assert dd.best_epoch(history) == (0.25, 4)
    assert dd.best_epoch(history, key="train_err") == (0.0, 6)


def test_module_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, prunedd_utils.double_descent; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# The width-sweep panel of prunedd_utils.plotting draws these rules' curves from table rows.

def _rows():
    rows = []
    for seed in (0, 1):
        for w, e in zip(WIDTHS, DD_CURVE, strict=True):
            rows.append(dict(width=w, prune="none", base_width=0, seed=seed, label_noise=0.2,
                             test_err=e + 0.01 * seed, train_err=0.1))
            if w > 4:
                rows.append(dict(width=w, prune="magnitude", base_width=4, seed=seed,
                                 label_noise=0.2, test_err=0.2, train_err=0.1,
                                 pruned_test_err=0.5))
    return rows


def test_width_panel_draws_dense_and_pruned_curves_on_a_log2_axis():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    from prunedd_utils.plotting import COLORS, width_curve, width_panel

    xs, mean, lo, hi = width_curve(_rows(), "test_err", prune="none")
    assert xs == WIDTHS and lo == DD_CURVE
    np.testing.assert_allclose(mean, np.array(DD_CURVE) + 0.005)
    fig, ax = plt.subplots()
    width_panel(ax, _rows(), targets=[4], keys=("test_err", "pruned_test_err", "train_err"),
                methods=("magnitude", "random"), base_lines=True, seed=0)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["dense", "dense, train"]
    assert "magnitude to b=4" in labels and "magnitude to b=4, not retrained" in labels
    assert not any("random" in label for label in labels)  # no such rows: nothing drawn
    dense = ax.get_lines()[0]
    assert dense.get_color() == COLORS["dense"] and list(dense.get_xdata()) == WIDTHS
    pruned = ax.get_lines()[labels.index("magnitude to b=4")]
    assert list(pruned.get_xdata()) == [8, 16, 32, 64] and pruned.get_linestyle() == "-"
    assert ax.get_lines()[labels.index("dense, train")].get_linestyle() == "--"
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(w) for w in WIDTHS]
    plt.close(fig)


def test_width_panel_base_lines_show_the_chosen_error_of_the_base_width():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    from prunedd_utils.plotting import width_panel

    fig, axes = plt.subplots(1, 2)
    for ax, key in zip(axes, ("test_err", "train_err"), strict=True):
        width_panel(ax, _rows(), targets=[4], keys=(key,), dense=False, base_lines=True,
                    base_key=key, seed=1)
    test_line, train_line = (ax.get_lines()[-1] for ax in axes)
    assert test_line.get_linestyle() == "-." and train_line.get_linestyle() == "-."
    assert test_line.get_ydata()[0] == DD_CURVE[WIDTHS.index(4)] + 0.01
    assert train_line.get_ydata()[0] == 0.1
    plt.close(fig)
