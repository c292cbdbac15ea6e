"""The engine of "pruning at the interpolation threshold", on tiny MLPs on MNIST-1D.

Iterative magnitude pruning (IMP) in three retraining modes and what tells them apart,
one-shot and random controls, pruning a saved epoch, the checkpoint, threshold, retrace
and learning-distance rules of ``prunedd_utils.threshold``, and the two-stage sweep.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from store_tools import temporary_store

from prunedd_utils import double_descent, sweeps, threshold
from prunedd_utils.neural import models, prune
from prunedd_utils.runs import Run, RunSettings, pipeline, sweep
from prunedd_utils.runs.store import load_torch
from prunedd_utils.sweeps import threshold_mnist1d, threshold_stages

# A step schedule (rate 0.05, then 0.005 from epoch 3 on), so fine-tuning (the final rate)
# and learning-rate rewinding (the last retrain_epochs rates: 0.05, 0.005) differ.
DENSE = RunSettings(dataset="mnist1d", model="mlp", width=8, n_train=400, n_test=200,
                    label_noise=0.15, optimizer="sgd", lr=0.05, momentum=0.9, batch_size=100,
                    epochs=4, schedule="step", milestones=(3,), gamma=0.1, save_epochs=(1, 2))
LEVELS = 3
IMP = dataclasses.replace(DENSE, prune="magnitude", prune_fraction=0.2, prune_levels=LEVELS,
                          retrain_epochs=2)
MODES = {
    "finetune": {"rewind": -1, "retrain_lr": "final"},
    "rewind_weights": {"rewind": 1, "retrain_lr": "rewind"},
    "rewind_lr": {"rewind": -1, "retrain_lr": "rewind"},
}
PRUNABLE = 8 * 40 + 8 * 8 + 10 * 8  # the three weight matrices of 40-8-8-10


@pytest.fixture
def store(tmp_path, monkeypatch):
    with temporary_store(tmp_path, monkeypatch) as path:
        yield path


def _record_retraining(monkeypatch) -> list[dict]:
    """Every retraining epoch (mask given): its mask, rate, and weights before and after."""
    real, seen = pipeline.train.train_epoch, []

    def epoch(model, data, opt, gen, batch, loss, augment, mask, *a, **k):
        before = {n: v.detach().clone() for n, v in model.state_dict().items()}
        out = real(model, data, opt, gen, batch, loss, augment, mask, *a, **k)
        if mask is not None:
            seen.append({"mask": mask, "lr": opt.param_groups[0]["lr"], "before": before,
                         "after": {n: v.detach().clone() for n, v in model.state_dict().items()}})
        return out

    monkeypatch.setattr(pipeline.train, "train_epoch", epoch)
    return seen


def _levels(seen: list[dict]) -> list[list[dict]]:
    """The recorded epochs grouped by pruning level (a new mask object per level)."""
    out = []
    for e in seen:
        if not out or out[-1][0]["mask"] is not e["mask"]:
            out.append([])
        out[-1].append(e)
    return out


def _masked(state: dict, mask: dict) -> dict:
    return {n: v * mask[n] if n in mask else v for n, v in state.items()}


def _equal(a: dict, b: dict) -> bool:
    return sorted(a) == sorted(b) and all(torch.equal(a[k], b[k]) for k in a)


def _masks(s: RunSettings, experiment: str) -> list[dict]:
    cache = Run(s, experiment).cache
    return [load_torch(cache / f"mask_{level}.pt") for level in range(1, s.prune_levels + 1)]


# --------------------------------------------------------------------------- the MLP on MNIST-1D


def test_mlp_on_mnist1d_validates_and_refuses_augmentation():
    DENSE.validate()
    assert DENSE.input_shape() == (1, 1, 40) and DENSE.num_classes() == 10
    assert prune.prunable_count(DENSE.build_model()) == PRUNABLE
    with pytest.raises(ValueError, match="^augment must be False for dataset 'mnist1d'"):
        dataclasses.replace(DENSE, augment=True).validate()


# --------------------------------------------------------------------------- (a) IMP, three modes


@pytest.mark.parametrize("mode", list(MODES))
def test_imp_keeps_exact_counts_and_each_mode_starts_and_steps_as_defined(store, monkeypatch,
                                                                          mode):
    s = dataclasses.replace(IMP, **MODES[mode]).validate()
    seen = _record_retraining(monkeypatch)
    m = pipeline.execute(s, "imp", progress=False)
    assert m["status"] == "done" and len(m["levels"]) == LEVELS

    # exactly round(0.8 * left) weights per level: density 0.8^L within rounding
    counts = threshold.imp_counts(PRUNABLE, 0.2, LEVELS)
    assert counts == [371, 297, 238]
    assert [lv["mask"]["kept"] for lv in m["levels"]] == counts
    for level, lv in enumerate(m["levels"], 1):
        assert abs(lv["mask"]["density"] - 0.8**level) <= level / PRUNABLE
    masks = _masks(s, "imp")
    assert [prune.kept(mk) for mk in masks] == counts
    for outer, inner in zip(masks, masks[1:], strict=False):  # a new mask only shrinks
        assert all(bool((inner[n] <= outer[n]).all()) for n in outer)

    levels = _levels(seen)
    assert len(levels) == LEVELS and all(len(lv) == s.retrain_epochs for lv in levels)
    cache = Run(s.dense(), "imp").cache  # the dense run's own files, read directly
    dense_final = load_torch(cache / "weights_final.pt")
    saved_1 = load_torch(cache / "weights_1.pt")
    for level, epochs in enumerate(levels):
        mask = {n: v.cpu() for n, v in epochs[0]["mask"].items()}
        assert _equal(mask, masks[level])
        # the rates of the level's epochs are those pipeline.retrain_lr defines
        rates = [e["lr"] for e in epochs]
        assert rates == pytest.approx([pipeline.retrain_lr(s, e) for e in range(2)])
        start = epochs[0]["before"]
        if mode == "rewind_weights":  # the saved epoch-1 weights, masked
            assert _equal(start, _masked(saved_1, mask))
        else:  # the pruned weights: the dense (level 1) or retrained weights, masked
            previous = dense_final if level == 0 else levels[level - 1][-1]["after"]
            assert _equal(start, _masked(previous, mask))
        for e in epochs:  # pruned weights stay exactly zero during retraining
            assert all(bool((e["after"][n][~mask[n]] == 0).all()) for n in mask)

    expected = {"finetune": [0.005, 0.005], "rewind_weights": [0.05, 0.005],
                "rewind_lr": [0.05, 0.005]}[mode]
    assert [e["lr"] for e in levels[0]] == pytest.approx(expected)


def test_the_three_modes_give_three_different_trajectories(store):
    runs = {mode: pipeline.execute(dataclasses.replace(IMP, **kw), "modes", progress=False)
            for mode, kw in MODES.items()}
    finals = {mode: tuple(lv["final"]["test_loss"] for lv in m["levels"])
              for mode, m in runs.items()}
    assert len(set(finals.values())) == 3
    # all of them prune the same dense run first: the first mask is the same
    first = [_masks(dataclasses.replace(IMP, **kw), "modes")[0] for kw in MODES.values()]
    assert _equal(first[0], first[1]) and _equal(first[0], first[2])


# --------------------------------------------------------------------------- (b) one-shot, random


def test_one_shot_to_the_same_count_differs_from_iterative_and_random_from_magnitude(store):
    imp = dataclasses.replace(IMP, **MODES["finetune"])
    keep = threshold.imp_counts(PRUNABLE, 0.2, LEVELS)[-1]
    one = dataclasses.replace(imp, prune_levels=1, keep=keep).validate()
    rnd = dataclasses.replace(imp, prune="random").validate()
    m_imp, m_one, m_rnd = (pipeline.execute(s, "ctl", progress=False) for s in (imp, one, rnd))
    assert m_one["levels"][-1]["mask"]["kept"] == m_imp["levels"][-1]["mask"]["kept"] == keep
    assert [lv["mask"]["kept"] for lv in m_rnd["levels"]] == [lv["mask"]["kept"]
                                                             for lv in m_imp["levels"]]
    # one-shot: the top-|w| of the dense final weights, in one step
    model = DENSE.build_model()
    model.load_state_dict(pipeline.dense_weights(imp, "ctl"))
    expected = prune.magnitude_mask(model, keep=keep)
    one_mask, imp_mask = _masks(one, "ctl")[0], _masks(imp, "ctl")[-1]
    assert _equal(one_mask, expected)
    assert not _equal(imp_mask, one_mask)  # retraining between levels moves the weights
    # random: same counts, but not the largest weights (some kept weight is smaller than
    # some pruned one, at the first level, pruned from the same dense weights)
    rnd_mask = _masks(rnd, "ctl")[0]
    params = dict(model.named_parameters())
    w = torch.cat([params[n].detach().abs().flatten() for n in rnd_mask])
    km = torch.cat([rnd_mask[n].flatten() for n in rnd_mask])
    assert int(km.sum()) == threshold.imp_counts(PRUNABLE, 0.2, 1)[0]
    assert float(w[km].min()) < float(w[~km].max())
    assert not _equal(rnd_mask, _masks(imp, "ctl")[0])


# --------------------------------------------------------------------------- (c) a saved epoch


def test_pruning_a_saved_epoch_uses_that_epochs_weights(store, monkeypatch):
    e = 2
    s = dataclasses.replace(DENSE, save_epochs=(e,), prune="magnitude", prune_at=e,
                            prune_fraction=0.5, retrain_epochs=1).validate()
    seen = _record_retraining(monkeypatch)
    pipeline.execute(s, "at", progress=False)
    w_e = load_torch(Run(s.dense(), "at").cache / f"weights_{e}.pt")
    model = s.build_model()
    model.load_state_dict(w_e)
    expected = prune.magnitude_mask(model, fraction=0.5)
    mask = _masks(s, "at")[0]
    assert _equal(mask, expected)
    assert _equal(seen[0]["before"], _masked(w_e, mask))  # retraining starts from it
    model.load_state_dict(pipeline.dense_weights(s, "at"))  # the final weights differ
    assert not _equal(mask, prune.magnitude_mask(model, fraction=0.5))


# --------------------------------------------------------------------------- (d) checkpoints


def _history(test, train):
    return [{"epoch": i + 1, "train_err": tr, **({} if te is None else {"test_err": te})}
            for i, (te, tr) in enumerate(zip(test, train, strict=True))]


def test_checkpoints_are_the_optimum_the_first_interpolating_and_the_final_saved_epoch():
    test = [0.6, 0.5, 0.42, 0.40, 0.45, None, 0.5, 0.52, 0.55, 0.56]
    train = [0.8, 0.6, 0.5, 0.4, 0.3, 0.1, 0.004, 0.0, 0.0, 0.0]
    c = threshold.pick_checkpoints(_history(test, train))  # every epoch saved
    assert (c.optimum, c.optimum_err, c.interpolation, c.final) == (4, 0.40, 7, 10)
    assert (c.best, c.best_err) == (4, 0.40)
    assert c.epochs() == {"optimum": 4, "interpolation": 7, "final": 10}
    c = threshold.pick_checkpoints(_history(test, train), saved=(2, 3, 5, 8))
    assert (c.optimum, c.interpolation, c.final, c.best) == (3, 8, 10, 4)
    c = threshold.pick_checkpoints(_history(test, train), saved=(3,), tol=0.0)
    assert c.interpolation is None and c.epochs() == {"optimum": 3, "final": 10}
    c = threshold.pick_checkpoints(_history(test, train), tol=1e-9)  # exactly zero
    assert c.interpolation == 8
    with pytest.raises(ValueError, match="no saved epoch has 'test_err'"):
        threshold.pick_checkpoints(_history([0.5, None, None], [0.2] * 3), saved=(2,))
    assert threshold.save_epochs_for(_history(test, train)) == (4, 7)
    # an optimum or interpolation at the final epoch needs no extra save
    assert threshold.save_epochs_for(_history([0.5, 0.4], [0.1, 0.0])) == ()


def test_a_rerun_saving_the_picked_epochs_retraces_the_first_run(store):
    first = pipeline.execute(DENSE, "rerun", progress=False)
    need = threshold.save_epochs_for(first["history"], tol=0.9)
    assert need and all(1 <= e < DENSE.epochs for e in need)
    again_s = dataclasses.replace(DENSE, save_epochs=need)
    again = pipeline.execute(again_s, "rerun", progress=False)
    assert again_s.hash != DENSE.hash  # save_epochs is part of the identity
    strip = [{k: v for k, v in h.items() if k != "seconds"} for h in first["history"]]
    assert strip == [{k: v for k, v in h.items() if k != "seconds"} for h in again["history"]]
    cache = Run(again_s, "rerun").cache
    assert all((cache / f"weights_{e}.pt").is_file() for e in need)
    c = threshold.pick_checkpoints(again["history"], saved=need, tol=0.9)
    assert {c.optimum, c.interpolation} - {c.final} <= set(need)


def test_the_save_grid_is_dense_early_and_about_geometric_later():
    grid = threshold.save_grid(500)
    assert len(grid) == 40 and grid[:10] == tuple(range(1, 11)) and grid[-1] == 450
    assert all(b > a for a, b in zip(grid, grid[1:], strict=False))
    assert all(b - a <= max(1, 0.2 * a) for a, b in zip(grid, grid[1:], strict=False))
    assert threshold.save_grid(6) == (1, 2, 3, 4, 5) and threshold.save_grid(1) == ()
    with pytest.raises(ValueError, match="^epochs must be"):
        threshold.save_grid(0)


# --------------------------------------------------------------------------- (e) threshold


def test_threshold_is_the_first_width_at_zero_training_error_and_the_peak_has_a_spread():
    widths = [4, 8, 16, 32, 64, 128]
    train = [[0.5, 0.3, 0.1, 0.0, 0.0, 0.0],
             [0.5, 0.3, 0.2, 0.003, 0.0, 0.0],
             [0.5, 0.3, 0.1, 0.02, 0.0, 0.0]]
    test = [[0.50, 0.45, 0.55, 0.52, 0.48, 0.45],
            [0.51, 0.44, 0.57, 0.53, 0.47, 0.44],
            [0.50, 0.46, 0.53, 0.51, 0.49, 0.46]]
    r = threshold.threshold_and_peak(widths, train, test, tol=0.005)
    assert r.threshold == 64  # the mean at 32 is 0.0077, not below 0.005
    assert r.threshold == double_descent.interpolation_threshold(widths, train, 0.005)
    assert r.seed_thresholds == (32, 32, 64)
    assert r.peak_width == 16 and r.holds
    assert r.peak_err == pytest.approx(0.55)
    assert r.peak_spread == pytest.approx(0.04)
    assert r.peak_std == pytest.approx(np.std([0.55, 0.57, 0.53]))
    assert r.seed_peaks == (16, 16, 16)
    flat = threshold.threshold_and_peak(widths, train, [[0.5, 0.4, 0.3, 0.2, 0.1, 0.05]] * 3)
    assert flat.peak_width is None and not flat.holds and flat.peak_spread == 0.0
    assert threshold.widths_around(widths, 16) == (8, 16, 32)
    assert threshold.widths_around([2, 30, 61, 100, 150], 61) == (30, 61, 100)


def test_imp_levels_reach_the_sparsity_with_the_pipelines_rounding():
    assert threshold.levels_for_sparsity(0.95, 0.2) == 14
    total = threshold_mnist1d.mlp_prunable(61)
    levels = threshold.levels_for_sparsity(0.95, 0.2, total)
    counts = threshold.imp_counts(total, 0.2, levels)
    assert counts[-1] <= 0.05 * total < counts[-2]
    model = models.mlp(61)
    mask = None
    for kept in counts[:4]:
        mask = prune.magnitude_mask(model, fraction=0.2, mask=mask)
        assert prune.kept(mask) == kept


# --------------------------------------------------------------------------- (f) retrace


def test_retrace_compares_at_equal_parameter_count_in_log_parameters():
    dense_p = [100, 1000, 10_000, 100_000]
    dense_e = [0.50, 0.40, 0.60, 0.45]  # bottom at 1000, peak at 10,000
    same = threshold.retrace(dense_p[::-1], dense_e[::-1], dense_p, dense_e)
    assert np.allclose(same.gap, 0) and same.mean_gap == 0 and same.retraces_peak
    assert same.dense_peak == same.pruned_peak == 10_000
    # halfway in log parameters (sqrt(1000 * 10000)) is halfway between 0.40 and 0.60
    r = threshold.retrace([math.sqrt(1e7), 50, 200_000], [0.55, 0.6, 0.4], dense_p, dense_e)
    assert r.dense_err[1] == pytest.approx(0.50) and r.gap[1] == pytest.approx(0.05)
    assert np.isnan(r.gap[0]) and np.isnan(r.gap[2])  # outside the dense range
    assert r.mean_gap == pytest.approx(0.05) and not r.retraces_peak
    # a trajectory that only gets worse as weights go has no peak to retrace
    mono = threshold.retrace([100_000, 10_000, 1000, 100], [0.45, 0.47, 0.5, 0.7],
                             dense_p, dense_e)
    assert not mono.retraces_peak and mono.pruned_peak is None and mono.dense_peak == 10_000
    assert mono.gap.tolist() == pytest.approx([0.2, 0.1, -0.13, 0.0])
    # a peak far from the dense one does not count
    far = threshold.retrace([100, 300, 1000, 3000, 10_000, 100_000],
                            [0.5, 0.4, 0.6, 0.45, 0.44, 0.43], dense_p, dense_e)
    assert far.pruned_peak == 1000 and not far.retraces_peak


def test_the_trajectory_of_a_stored_run_counts_the_remaining_parameters(store):
    s = dataclasses.replace(IMP, **MODES["finetune"])
    m = pipeline.execute(s, "traj", progress=False)
    params, err = threshold.trajectory(m)
    biases = models.mlp_parameter_count(8) - PRUNABLE
    assert params.tolist() == [c + biases for c in threshold.imp_counts(PRUNABLE, 0.2, 3)]
    assert err.tolist() == [lv["final"]["test_err"] for lv in m["levels"]]
    assert threshold.trajectory(m, "pruned")[1].tolist() == [lv["pruned"]["test_err"]
                                                            for lv in m["levels"]]
    assert threshold.trajectory(m, key="train_err")[1].tolist() == [
        lv["final"]["train_err"] for lv in m["levels"]]
    with pytest.raises(ValueError, match="no 'speed' in their 'final' metrics"):
        threshold.trajectory(m, key="speed")


def test_the_sparse_threshold_is_the_last_level_that_still_fits():
    params = [1000, 800, 640, 512, 410]
    assert threshold.sparse_threshold(params, [0, 0, 0.001, 0.02, 0.3], tol=0.005) == 640
    # a level that fits again after one that does not is past the threshold
    assert threshold.sparse_threshold(params, [0, 0.01, 0, 0, 0], tol=0.005) == 1000
    assert threshold.sparse_threshold(params, [0] * 5, tol=0.005) == 410
    assert threshold.sparse_threshold(params, [0.1] * 5, tol=0.005) is None
    # any order of levels: sorted by parameters first
    assert threshold.sparse_threshold(params[::-1], [0.3, 0.02, 0.001, 0, 0], 0.005) == 640
    with pytest.raises(ValueError, match="equal-length"):
        threshold.sparse_threshold(params, [0, 0])
    with pytest.raises(ValueError, match="params > 0"):
        threshold.sparse_threshold([1000, float("nan")], [0, 0])


def test_the_compact_size_is_the_fewest_parameters_within_the_margin_of_the_best():
    params = [1000, 800, 640, 512, 410]
    err = [0.30, 0.27, 0.25, 0.26, 0.40]
    assert threshold.compact_size(params, err, margin=0.0) == 640
    assert threshold.compact_size(params, err, margin=0.01) == 512
    assert threshold.compact_size(params, err, margin=0.2) == 410
    with pytest.raises(ValueError, match="margin must be >= 0"):
        threshold.compact_size(params, err, margin=-0.1)


# --------------------------------------------------------------------------- (g) learning distance


def test_learning_distance_is_the_norm_of_the_weight_change():
    torch.manual_seed(0)
    a = models.resnet20(1).state_dict()
    torch.manual_seed(1)
    b = models.resnet20(1).state_dict()
    b = {k: v + 1 if k.endswith("running_mean") else v for k, v in b.items()}
    keys = [k for k, v in a.items() if v.is_floating_point() and "running" not in k]
    expected = float(torch.cat([(a[k].double() - b[k]).flatten() for k in keys]).norm())
    assert threshold.learning_distance(a, b) == pytest.approx(expected, rel=1e-12)
    assert threshold.learning_distance(a, a) == 0.0
    norm0 = float(torch.cat([b[k].flatten() for k in keys]).double().norm())
    assert threshold.learning_distance(a, b, relative=True) == pytest.approx(expected / norm0)
    w = ["fc.weight"]
    assert threshold.learning_distance(a, b, keys=w) == pytest.approx(
        float((a["fc.weight"] - b["fc.weight"]).double().norm()))
    with pytest.raises(ValueError, match="not in both"):
        threshold.learning_distance(a, {"fc.weight": b["fc.weight"]})


def test_learning_distance_of_a_run_from_its_initialisation(store):
    pipeline.execute(DENSE, "dist", progress=False)
    init = pipeline.dense_weights(DENSE, "dist", 0)
    w1 = pipeline.dense_weights(DENSE, "dist", 1)
    final = pipeline.dense_weights(DENSE, "dist")
    d1, d = threshold.learning_distance(w1, init), threshold.learning_distance(final, init)
    assert 0 < d1 < d
    assert threshold.learning_distance(init, init) == 0


def test_runs_record_their_learning_distance_at_every_evaluation(store):
    """Dense runs: each evaluated epoch and the final metrics; pruned runs: each level before
    and after retraining, over all entries and over the kept ones."""
    m = pipeline.execute(DENSE, "dist", progress=False)
    init = pipeline.dense_weights(DENSE, "dist", 0)
    final = pipeline.dense_weights(DENSE, "dist")
    assert m["final"]["distance"] == pytest.approx(threshold.learning_distance(final, init),
                                                   rel=1e-12)
    assert m["final"]["distance_kept"] == m["final"]["distance"]
    assert all(h["distance"] > 0 for h in m["history"] if "test_err" in h)
    s = dataclasses.replace(IMP, **MODES["finetune"])
    p = pipeline.execute(s, "dist", progress=False)
    for lv, mask in zip(p["levels"], _masks(s, "dist"), strict=True):
        for stage in ("pruned", "final"):
            assert 0 < lv[stage]["distance_kept"] < lv[stage]["distance"]
        # right after pruning from the final weights: the kept entries are the dense run's
        kept = {n: v * mask[n] if n in mask else v for n, v in final.items()}
        kept0 = {n: v * mask[n] if n in mask else v for n, v in init.items()}
        if lv["level"] == 1:
            assert lv["pruned"]["distance_kept"] == pytest.approx(
                threshold.learning_distance(kept, kept0), rel=1e-9)


# --------------------------------------------------------------------------- the sweep


def test_sweep_presets_and_the_cpu_plan():
    assert "threshold_mnist1d" in sweeps.NAMES
    cpu = sweeps.settings("threshold_mnist1d", "cpu")
    assert len(cpu) == 19 * 3 and all(not s.is_pruned for s in cpu)
    s = cpu[0].validate()
    assert (s.dataset, s.model, s.optimizer, s.lr, s.momentum, s.batch_size, s.epochs,
            s.label_noise, s.schedule) == ("mnist1d", "mlp", "sgd", 0.01, 0.9, 100, 500, 0.15,
                                           "constant")
    assert set(threshold.save_grid(500)) <= set(s.save_epochs) and 5 in s.save_epochs
    assert sorted({s.width for s in cpu}) == list(threshold_mnist1d.WIDTHS)
    assert 0.1 < threshold_mnist1d.estimate_hours(cpu) < 0.3  # the docstring: about 0.2 h
    # under a constant rate learning-rate rewinding is fine-tuning; a step schedule differs
    assert not threshold_stages.lr_rewinding_differs(500, 150, 0.01, (), 0.1)
    assert threshold_stages.lr_rewinding_differs(500, 150, 0.01, (400,), 0.1)
    assert not threshold_stages.lr_rewinding_differs(500, 50, 0.01, (400,), 0.1)
    for h in (2, 61, 300):
        assert threshold_mnist1d.mlp_params(h) == models.mlp_parameter_count(h)
        assert threshold_mnist1d.mlp_prunable(h) == prune.prunable_count(models.mlp(h))
    with pytest.raises(ValueError, match="^stage must be one of"):
        threshold_mnist1d.settings(stage="both")


@pytest.mark.parametrize("bad, message", [
    ({"prune_seeds": (5,)}, "prune_seeds must be among the seeds"),
    ({"ratios": (0.0, 1.0)}, "ratios must be one or more numbers > 0"),
    ({"ratios": ()}, "ratios must be one or more numbers > 0"),
    ({"widths_to_prune": 61}, "widths_to_prune must be 'auto' or a tuple of widths"),
    ({"widths_to_prune": "Auto"}, "widths_to_prune must be 'auto' or a tuple of widths"),
    ({"checkpoints": ()}, "checkpoints must name at least one"),
])
def test_bad_prune_stage_parameters_are_refused_before_anything_is_read(bad, message):
    with pytest.raises(ValueError, match=message):
        threshold_mnist1d.settings(stage="prune", **bad)  # nothing stored: would fail later


def test_a_dense_stage_of_fewer_seeds_ignores_the_prune_seeds():
    assert len(threshold_mnist1d.settings(seeds=(0,))) == len(threshold_mnist1d.WIDTHS)


def test_checkpoints_are_only_epochs_with_a_test_error():
    history = [{"epoch": e, "train_err": 0.0, **({"test_err": 0.3} if e != 2 else {})}
               for e in range(1, 5)]
    assert threshold_stages.evaluated_epochs({"history": history}, (1, 2, 3)) == [1, 3]


def test_only_the_width_at_the_threshold_is_pruned_from_every_checkpoint():
    dense = {(w, 0): dataclasses.replace(DENSE, width=w, epochs=10) for w in (4, 8, 16)}
    picks = threshold.Checkpoints(optimum=2, optimum_err=0.5, interpolation=6, final=10,
                                  best=2, best_err=0.5, tol=0.005)
    decided = {"center": 8, "checkpoints": {(w, 0): picks for w in (4, 8, 16)}}
    kw = dict(checkpoints=threshold_stages.CHECKPOINTS, modes=("finetune",), rewind_epoch=1,
              prune_fraction=0.2, sparsity=0.5, retrain_epochs=2, one_shot_levels=(),
              random_control=False)
    out = threshold_stages.prune_runs(dense, decided, **kw)
    starts = {w: sorted(s.prune_at for s in out if s.width == w) for w in (4, 8, 16)}
    assert starts == {4: [-1], 8: [-1, 2, 6], 16: [-1]}
    everywhere = threshold_stages.prune_runs(dense, dict(decided, center=None), **kw)
    assert len(everywhere) == 9


def test_tiny_sweep_runs_both_stages_end_to_end(store):
    exp = threshold_mnist1d.EXPERIMENT
    tiny = threshold_mnist1d.PRESETS["tiny"]
    with pytest.raises(ValueError, match="needs the stored dense runs"):
        sweeps.settings("threshold_mnist1d", "tiny", stage="prune")
    dense = sweeps.settings("threshold_mnist1d", "tiny")
    rows = sweep(dense, exp, progress=False)
    assert len(rows) == 6 and all(r["status"] == "done" for r in rows)

    decided = threshold_mnist1d.plan(**tiny)
    it = decided["threshold"]
    assert it.threshold in tiny["widths"] and decided["widths"] == (it.threshold,)
    wider = threshold_mnist1d.plan(**dict(tiny, ratios=(4.0,)))  # the center is always in
    assert wider["center"] == it.threshold and it.threshold in wider["widths"]
    pruned = sweeps.settings("threshold_mnist1d", "tiny", stage="prune")
    assert set(decided["checkpoints"]) == {(it.threshold, 0), (it.threshold, 1)}
    for seed in (0, 1):  # each seed pruned from its own checkpoints
        picks = decided["checkpoints"][(it.threshold, seed)]
        starts = {-1 if e == 6 else e for e in picks.epochs().values()}
        assert {s.prune_at for s in pruned if s.seed == seed} == starts
    kinds = {(s.prune, s.prune_levels, s.rewind, s.retrain_lr, s.keep > 0) for s in pruned}
    assert ("magnitude", 4, -1, "final", False) in kinds  # fine-tuning
    assert ("magnitude", 4, -1, "rewind", False) in kinds  # learning-rate rewinding
    assert ("random", 4, -1, "final", False) in kinds  # the random control
    assert ("magnitude", 1, -1, "final", True) in kinds  # one-shot
    assert all(s.dense() in dense for s in pruned)  # the dense stage's runs are reused
    assert {threshold_stages.mode_of(s) for s in pruned} == {
        "finetune", "rewind_weights", "rewind_lr", "random", "one_shot"}
    with pytest.raises(ValueError, match="not a run of a threshold prune stage"):
        threshold_stages.mode_of(dense[0])
    rows = sweep(pruned, exp, progress=False)
    assert len(rows) == len(pruned) and all(r["status"] == "done" for r in rows)
    one_shot = [r for r in rows if r["keep"]]
    total = threshold_mnist1d.mlp_prunable(it.threshold)
    assert all(r["kept"] == threshold.imp_counts(total, 0.2, 2)[-1] for r in one_shot)
    assert threshold_mnist1d.estimate_hours(pruned) < 0.01
    # explicit widths need only their own dense runs
    two = sweeps.settings("threshold_mnist1d", "tiny", stage="prune", widths_to_prune=(4, 16))
    assert {s.width for s in two} == {4, 16}
    with pytest.raises(ValueError, match="widths_to_prune must be among"):
        sweeps.settings("threshold_mnist1d", "tiny", stage="prune", widths_to_prune=(5,))


def test_epoch_wise_double_descent_needs_a_rise_and_a_fall_beyond_the_margin():
    epochs = np.arange(1, 9)
    err = [0.50, 0.40, 0.35, 0.42, 0.48, 0.45, 0.40, 0.38]
    p = threshold.epoch_peak(epochs, err, min_change=0.05)
    assert (p.bottom, p.peak) == (3, 5)
    assert p.rise == pytest.approx(0.13) and p.fall == pytest.approx(0.10) and p.holds
    assert not threshold.epoch_peak(epochs, err, min_change=0.11).holds  # the fall is 0.10
    falling = threshold.epoch_peak(epochs, np.linspace(0.5, 0.2, 8), min_change=0.0)
    assert not falling.holds and falling.rise <= 0
    with pytest.raises(ValueError, match="at least 3 points"):
        threshold.epoch_peak([1, 2], [0.1, 0.2], min_change=0.0)
