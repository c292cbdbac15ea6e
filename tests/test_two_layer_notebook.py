"""The two-layer chapter: its parameters are the sweep's cpu preset, and it runs end to end
with the tiny preset into a scratch store."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from store_tools import run_notebook, write_fake_fashion_mnist

from prunedd_utils.sweeps import two_layer

from notebook_tools import parameters_cell

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_two_layer.ipynb"
NOTEBOOK_ONLY = {"experiment", "threads"}


def test_parameters_cell_is_the_cpu_preset():
    params = parameters_cell(NOTEBOOK)
    assert params["experiment"] == two_layer.EXPERIMENT
    defaults = {k: p.default for k, p in inspect.signature(two_layer.settings).parameters.items()}
    cpu = {**defaults, **two_layer.PRESETS["cpu"]}
    assert set(params) - NOTEBOOK_ONLY == set(cpu)
    for k, v in cpu.items():
        assert params[k] == (list(v) if isinstance(v, tuple) else v), k
    assert two_layer.settings(**{k: params[k] for k in cpu}) == two_layer.settings(**cpu)


@pytest.mark.slow
def test_notebook_runs_with_the_tiny_preset(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    text = run_notebook(NOTEBOOK, tmp_path, monkeypatch, write_fake_fashion_mnist,
                        two_layer.PRESETS["tiny"])
    stored = list((tmp_path / "results" / two_layer.EXPERIMENT).iterdir())
    # widths 4 and 16 at two noise levels; 16 pruned to b = 4 by magnitude (both noise
    # levels) and at random (clean labels only)
    assert len(stored) == len(two_layer.settings(**two_layer.PRESETS["tiny"])) == 2 * 2 + 2 + 1
    assert all(json.loads((d / "metrics.json").read_text())["status"] == "done" for d in stored)
    for phrase in ("pruned from h=16 (magnitude, retrained)", "the base network",
                   "(train error below 1 %)", "final and best-during-training test error"):
        assert phrase in text
    assert "RuntimeWarning" not in text


def test_matched_width_has_at_least_the_pruned_networks_trainable_parameters():
    from prunedd_utils.neural import models

    for base, widest in [(8, 512), (32, 512), (1, 1), (4, 16)]:
        w = two_layer.matched_width(base, widest)
        # trainable after pruning: the base's weight count plus every bias of the wide net
        pruned = (784 + 10) * base + widest + 10
        assert models.parameter_count(models.two_layer(w)) >= pruned
        assert w == 1 or models.parameter_count(models.two_layer(w - 1)) < pruned
    with pytest.raises(ValueError, match="base must be in"):
        two_layer.matched_width(16, 8)


def test_cpu_sweep_holds_both_controls_for_every_seed_and_noise():
    runs = two_layer.settings(**two_layer.PRESETS["cpu"])
    assert len(set(runs)) == len(runs)
    for b in two_layer.settings.__defaults__[1]:
        budget = [s for s in runs if s.width == b and s.epochs == 200]
        matched = [s for s in runs if s.width == two_layer.matched_width(b, 512)]
        assert len(budget) == len(matched) == 2 * 3  # noise levels x seeds
        assert all(not s.is_pruned for s in budget + matched)
    random = {(s.label_noise, s.seed) for s in runs if s.prune == "random"}
    assert random == {(n, k) for n in (0.0, 0.2) for k in (0, 1, 2)}


def test_late_mean_averages_the_last_evaluations_only():
    from prunedd_utils.runs.table import late_mean

    history = [{"epoch": e, "test_err": (e / 10 if e % 5 == 0 else None)} for e in range(1, 21)]
    assert late_mean(history, last=2) == pytest.approx((1.5 + 2.0) / 2)
    assert late_mean([{"epoch": 1}]) is None
    with pytest.raises(ValueError, match="last must be"):
        late_mean(history, last=0)
