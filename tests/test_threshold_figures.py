"""The threshold study's figures, reports and answers on a small synthetic Study (no
training), and the epoch-wise double-descent rule over seeds."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from prunedd_utils import (  # noqa: E402
    threshold,
    threshold_answers,
    threshold_figures,
    threshold_results,
)

WIDTHS, SEEDS, N_TEST = [2, 4, 8], [0, 1], 10_000
# per width: test error against epochs 1..6 (a peak at epoch 3 at width 4), train error
CURVES = {2: [0.6, 0.55, 0.5, 0.5, 0.5, 0.5], 4: [0.5, 0.3, 0.45, 0.4, 0.35, 0.32],
          8: [0.5, 0.4, 0.35, 0.3, 0.3, 0.3]}
TRAIN = {2: 0.4, 4: 0.0, 8: 0.0}


def _history(w, seed):
    return [{"epoch": e + 1, "test_err": v + 0.002 * seed,
             "train_err": TRAIN[w] if e >= 3 else 0.5} for e, v in enumerate(CURVES[w])]


def _trajectory(w, seed, mode, checkpoint, levels=4, start_err=0.32):
    params = 100.0 * w * 0.8 ** np.arange(1, levels + 1)
    test = np.linspace(0.28, 0.4, levels) + 0.002 * seed
    return threshold_results.Trajectory(
        width=w, seed=seed, mode=mode, checkpoint=checkpoint, final=checkpoint.endswith(
            "final"), params=params, test=test, train=np.array([0.0, 0.0, 0.1, 0.3][:levels]),
        distance=np.linspace(1, 2, levels), start=(100.0 * w, start_err, 0.0))


def _study():
    hist = {(w, s): _history(w, s) for w in WIDTHS for s in SEEDS}
    test = np.array([[h[-1]["test_err"] for h in (hist[(w, s)] for w in WIDTHS)]
                     for s in SEEDS])
    train = np.array([[TRAIN[w] for w in WIDTHS] for _ in SEEDS])
    found = threshold.threshold_and_peak(WIDTHS, train, test, tol=0.005)
    picks = {(w, s): threshold.pick_checkpoints(hist[(w, s)], [1, 2, 3, 4, 5, 6], 0.005)
             for w in (4, 8) for s in SEEDS}
    trajs = [_trajectory(w, s, "finetune", "final") for w in (4, 8) for s in SEEDS]
    trajs += [_trajectory(4, s, "finetune", "optimum") for s in SEEDS]
    trajs += [_trajectory(4, 0, "rewind_weights", "final")]  # one seed only
    trajs += [_trajectory(4, s, "random", "final") for s in SEEDS]
    trajs += [_trajectory(4, s, "one_shot", "final", levels=1) for s in SEEDS]
    plan = {"threshold": found, "widths": (4, 8), "center": 4, "checkpoints": picks}
    return threshold_results.Study(
        widths=WIDTHS, seeds=SEEDS, params=100.0 * np.array(WIDTHS), test=test, train=train,
        distance=np.ones((2, 3)), plan=plan, trajectories=trajs, histories=hist,
        checkpoints=("optimum", "final"))


def test_epoch_wise_double_descent_compares_the_seeds_at_the_peak():
    st = _study()
    d = threshold_results.epoch_dd(st, 4, N_TEST)
    assert (d["peak"].bottom, d["peak"].peak) == (2, 3)
    assert d["rise"].outcome == "higher" and d["fall"].outcome == "higher" and d["holds"]
    assert not threshold_results.epoch_dd(st, 8, N_TEST)["holds"]  # only falls
    assert not threshold_results.epoch_dd(st, 4, 100)["holds"]  # 100 test images: a tie


def test_the_lowest_error_after_the_peak_is_not_the_bottom():
    p = threshold.epoch_peak(range(1, 7), [0.5, 0.4, 0.45, 0.3, 0.25, 0.2], 0.0)
    assert p.bottom == 2 and p.peak == 3 and p.fall == pytest.approx(0.25)


def test_every_figure_and_report_runs_and_says_what_it_measured(capsys):
    st = _study()
    for fig in (threshold_figures.dd_figure(st), threshold_figures.checkpoint_figure(st, 0),
                threshold_figures.trajectory_figure(st, threshold_figures.final_groups(st)),
                threshold_figures.trajectory_figure(st, threshold_figures.checkpoint_groups(st)),
                threshold_figures.distance_figure(st)):
        assert fig.axes
        plt.close(fig)
    threshold_figures.threshold_report(st, 0.005, N_TEST)
    threshold_figures.checkpoint_report(st)
    peaks = threshold_figures.epoch_report(st, N_TEST)
    rows = threshold_results.summarize(threshold_results.findings(st, N_TEST), N_TEST)
    threshold_figures.findings_report(rows)
    threshold_figures.modes_report(st, N_TEST)
    threshold_figures.distance_report(st)
    threshold_figures.compact_report(st, rows)
    out = capsys.readouterr().out
    assert "IT (mean final train error < 0.005): h = 4" in out
    assert "checkpoints optimum, final at h = 4, final weights elsewhere" in out
    assert [w for w, d in peaks if d["holds"]] == [4]
    assert "rewind weights (1 seed): best 0.280 (vs fine-tuned: tie)" in out  # its one seed
    assert "random (2 seeds): best" in out and "one-shot to     320: 0.281" in out
    assert "h =   4       optimum (2 seeds)" in out and "h =   8         final" in out
    assert "compact sizes span a factor" in out


def test_the_answers_apply_the_rules_to_the_synthetic_study():
    # at h = 4 (the IT: 400 parameters) every trajectory starts at 0.32 and reaches 0.28
    # (+0.002 per seed) at its first level: far beyond the margin on 10,000 test images
    a = threshold_answers.answers(_study(), N_TEST, 0.005)
    t = a.text
    assert t["q1_verdict"] == t["q1_opt_verdict"] == "recovers"
    assert t["q1_best"] == "0.281 [0.280, 0.282]" and t["q1_ft_widths"] == "h = 4, h = 8"
    assert t["q1_rw_best"] == "0.280 [0.280, 0.280]" and t["q1_rw_levels"] == "1"
    # rewinding's 0.280 (seed 0 only) against seed 0's dense optimum at h = 4, 0.300
    assert t["q1_early"] == "0.300" and t["q1_early_verdict"] == "better than"
    # fine-tuned: 0.280 and 0.282 against the two seeds' optima, 0.300 and 0.302
    assert t["q1_optimum"] == "0.301" and t["q1_ft_early"] == "better than"
    # training error 0, 0, 0.1, 0.3: fits down to level 2, 0.64 x its start
    assert t["q3_ratio"] == "0.64 [0.64, 0.64]" and t["q3_fits"] == "2 of 2"
    assert t["sparse_rises"] == "rises"  # 0.64 from h = 4, 1.28 from h = 8
    assert t["rw_fit"] == "1 of 1"  # one rewound run, counted once
    assert t["epoch_dd"] == "h = 4" and t["it_rise"] == t["it_fall"] == "higher"
    assert t["dd_seed_rule"] == "does not hold" and t["dd_rise"] == "-"  # no dense peak
    assert t["n_final"] == "2" and t["q2_dd"] == "0 of 6"  # 2 widths and the optimum
    assert t["dist_at"] == "0.64 to 0.64"  # distance largest at level 4: 0.8**4 / 0.8**2
    assert "test-error peak -" in "\n".join(a.lines)
    assert len(a.lines) == 7 + 3 + 4 + 4  # the four parts, every line of each
    assert a.lines[0].startswith("1. fine-tuned, at the IT (h = 4)")


def test_what_a_study_did_not_run_is_a_dash_and_no_line():
    st = _study()
    st = threshold_results.Study(**{**st.__dict__, "trajectories": [
        t for t in st.trajectories if t.mode != "rewind_weights" and t.checkpoint == "final"]})
    a = threshold_answers.answers(st, N_TEST, 0.005, name="k")
    assert a.text["q1_rw_best"] == a.text["q1_opt_best"] == "-"
    assert a.text["rw_fit"] == "-"
    assert not any(w in line for line in a.lines for w in ("rewinding", "rewound",
                                                                 "from the IT's optimum"))
    assert a.lines[0].startswith("1. fine-tuned, at the IT (k = 4)")
    dense, at_it = threshold_answers.side_by_side({"toy": a})
    assert dense == "toy: dense DD by the seed rule does not hold; epoch-wise DD at k = 4"
    assert "fine-tuned: recovers; weight rewinding: -; dense curve:" in at_it


def test_the_answers_need_an_interpolation_threshold_pruned_from_final_weights():
    st = _study()
    no_final = threshold_results.Study(**{**st.__dict__, "trajectories": [
        t for t in st.trajectories if t.checkpoint != "final"]})
    by_hand = threshold_results.Study(**{**st.__dict__, "plan": {**st.plan, "threshold": None}})
    for bad in (no_final, by_hand):
        with pytest.raises(ValueError, match="interpolation threshold"):
            threshold_answers.answers(bad, N_TEST, 0.005)


def test_the_sparse_it_rises_only_beyond_the_seed_ranges():
    def rows(*bands):
        return [{"sparse_it_ratio": b} for b in bands]
    assert threshold_answers.sparse_it_rises(rows((0.5, 0.4, 0.6), (0.9, 0.8, 1.0)))
    assert not threshold_answers.sparse_it_rises(rows((0.5, 0.4, 0.6), (0.6, 0.55, 0.7)))
    assert not threshold_answers.sparse_it_rises(rows((0.5, 0.4, 0.6), (0.4, 0.3, 0.5),
                                                      (0.9, 0.8, 1.0)))
    assert threshold_answers.sparse_it_rises(rows((0.5, 0.4, 0.6))) is None


def test_comparable_sizes_needs_trajectories_from_final_weights():
    with pytest.raises(ValueError, match="final weights"):
        threshold_results.comparable_sizes(_study(), [])


def test_model_wise_double_descent_by_the_seed_rule(capsys):
    st = _study()
    assert threshold_results.model_dd(st, N_TEST) == dict(rise=None, fall=None, holds=False)
    test = np.array([[0.4, 0.5, 0.3], [0.41, 0.52, 0.31]])  # a peak at h = 4 in both seeds
    found = threshold.threshold_and_peak(WIDTHS, st.train, test, tol=0.005)
    peaked = threshold_results.Study(**{**st.__dict__, "test": test,
                                        "plan": {**st.plan, "threshold": found}})
    d = threshold_results.model_dd(peaked, N_TEST)
    assert d["rise"].a == pytest.approx(0.51) and d["rise"].b == pytest.approx(0.405)
    assert d["fall"].b == pytest.approx(0.305) and d["holds"]
    # on 100 test images the margin (about 0.14) exceeds the rise of 0.105: a tie
    d = threshold_results.model_dd(peaked, 100)
    assert d["rise"].outcome == "tie" and not d["holds"]
    # a rise beyond the margin with a fall inside it does not hold
    flat = np.array([[0.4, 0.5, 0.49], [0.41, 0.52, 0.5]])
    flat_study = threshold_results.Study(**{**st.__dict__, "test": flat, "plan": {
        **st.plan, "threshold": threshold.threshold_and_peak(WIDTHS, st.train, flat, 0.005)}})
    d = threshold_results.model_dd(flat_study, N_TEST)
    assert (d["rise"].outcome, d["fall"].outcome, d["holds"]) == ("higher", "tie", False)
    threshold_figures.threshold_report(flat_study, 0.005, N_TEST)
    assert "by the seed rule: peak vs bottom higher, vs widest tie" in capsys.readouterr().out


def test_widths_beyond_the_threshold_where_a_seed_does_not_fit(capsys):
    st = _study()  # the IT is h = 4; every seed fits at h = 4 and 8
    assert threshold_results.unfit_beyond_threshold(st, 0.005) == []
    train = st.train.copy()
    train[1, 2] = 0.05  # seed 1 off the fit at h = 8 (a spike at its last epoch)
    spiked = threshold_results.Study(**{**st.__dict__, "train": train})
    assert threshold_results.unfit_beyond_threshold(spiked, 0.005) == [(8, 1)]
    threshold_figures.threshold_report(spiked, 0.005, N_TEST)
    assert "a seed does not fit at: h = 8 (1 of 2 seeds)" in capsys.readouterr().out
