"""The opt-in ``torch.compile`` path: same numbers as eager up to rounding, masks still hold.

These tests need a working ``torch.compile`` (inductor and a C++ compiler). They do not skip
when it is missing: a broken ``compile=True`` must fail here, not in a long run.
"""

from __future__ import annotations

import dataclasses
import time

import pytest
import torch
from store_tools import temporary_store

from prunedd_utils import runs
from prunedd_utils.neural import data, models, prune, train
from prunedd_utils.runs import Run, RunSettings, pipeline
from prunedd_utils.runs.store import load_torch

# Inductor fuses and reorders float32 operations, so each op may round differently (relative
# ~1e-7). One epoch is 5 Adam steps on 400 images; with lr 1e-2 the weights move by ~1e-2
# per step, so a ~1e-7 relative perturbation grows to ~1e-6 at most. 1e-4 relative on losses
# (and 1e-4 absolute on weights of size ~0.05) leaves a margin of ~100 and still catches a
# wrong graph, a stale weight or a lost mask, which change the loss by percents.
RTOL = 1e-4


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A temporary store with 400 training and 400 test images (see _masked_epoch)."""
    with temporary_store(tmp_path, monkeypatch, n_train=400, n_test=400) as path:
        yield path


def _masked_epoch(dd: data.DeviceData, compiled: bool):
    """One masked Adam epoch of a two-layer net (70 % of its weights pruned), then evaluation.

    400 training and 400 test images in batches of 80: every batch has one shape, so the
    compiled path compiles one training and one inference graph (it keeps the test short).
    """
    torch.manual_seed(0)
    net = models.two_layer(32)
    mask = prune.magnitude_mask(net, fraction=0.7)
    prune.apply_mask(net, mask)
    fwd = train.compile_forward(net) if compiled else None
    opt = train.make_optimizer(net, "adam", lr=1e-2)
    gen = torch.Generator().manual_seed(0)
    m = train.train_epoch(net, dd, opt, gen, batch_size=80, mask=mask, forward=fwd)
    m.update({f"eval_{k}": v for k, v in train.evaluate(net, dd, forward=fwd).items()})
    return net, mask, m


@pytest.mark.slow
def test_compiled_epoch_matches_eager_and_keeps_pruned_weights_zero(store):
    dd = data.DeviceData("fashion_mnist", n_train=400, root=store / "data", device="cpu")
    eager, mask, m_eager = _masked_epoch(dd, compiled=False)
    start = time.perf_counter()
    net, mask_c, m_comp = _masked_epoch(dd, compiled=True)
    print(f"compiled epoch + evaluation: {time.perf_counter() - start:.1f} s")
    assert all(torch.equal(mask[n], mask_c[n]) for n in mask)
    # the compiled forward really was compiled (not a silent eager fallback)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1
    # state dict keys are the plain ones (no "_orig_mod." prefix): masks and saving use them
    assert list(net.state_dict()) == list(eager.state_dict())
    params = dict(net.named_parameters())
    assert all(torch.count_nonzero(params[n][~m]) == 0 for n, m in mask.items())
    for k in ("train_loss", "eval_test_loss", "eval_train_loss"):
        assert m_comp[k] == pytest.approx(m_eager[k], rel=RTOL), k
    for k in ("train_err", "eval_test_err", "eval_train_err"):  # counts: at most one flip
        assert abs(m_comp[k] - m_eager[k]) <= 1 / 400, k
    worst = max(float((p - q).abs().max()) for p, q in
                zip(net.state_dict().values(), eager.state_dict().values(), strict=True))
    print(f"largest weight difference compiled vs eager: {worst:.2e}")
    assert worst < 1e-4


@pytest.mark.slow
def test_pruned_run_with_compile_matches_eager_and_saves_plain_keys(store):
    s = RunSettings(width=16, n_train=400, n_test=400, epochs=1, lr=3e-3, batch_size=100,
                    prune="magnitude", base_width=4)
    c = dataclasses.replace(s, compile=True)
    assert c.hash != s.hash and c.dense().compile  # its own runs, dense one included
    eager = pipeline.execute(s, "eager", progress=False)
    torch._dynamo.utils.counters.clear()
    comp = pipeline.execute(c, "comp", progress=False)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1  # it did compile
    for stage in ("dense", "final"):
        for k, v in eager[stage].items():
            if k.endswith("loss"):
                assert comp[stage][k] == pytest.approx(v, rel=RTOL), (stage, k)
    assert comp["levels"][0]["mask"]["kept"] == 784 * 4 + 40
    weights = load_torch(Run(c.dense(), "comp").cache / "weights_final.pt")
    assert list(weights) == list(models.two_layer(16).state_dict())
    mask = load_torch(Run(c, "comp").cache / "mask_1.pt")
    assert list(mask) == prune.prunable_names(models.two_layer(16))


@pytest.mark.parametrize("value", [1, "yes", None])
def test_compile_must_be_a_bool_before_any_file_or_compute(store, value):
    s = RunSettings(width=16, n_train=400, epochs=1, compile=value)
    with pytest.raises(ValueError, match="^compile must be True or False"):
        pipeline.execute(s, "bad")
    with pytest.raises(ValueError, match="^compile must be True or False"):
        runs.sweep([RunSettings(), s], "bad")
    assert not (store / "results").exists() and not (store / "cache").exists()


def test_compile_off_keeps_every_existing_run_hash():
    assert "compile" not in RunSettings().changed()
    assert RunSettings(width=8, lr=0.01).hash == RunSettings(width=8, lr=0.01,
                                                             compile=False).hash
    assert RunSettings(compile=True).changed() == {"compile": True}
