"""Pruning masks and masked training: exact counts, shrinking masks, zeros that stay zero."""

from __future__ import annotations

import os
import time

import pytest
import torch
from store_tools import write_fake_fashion_mnist

from prunedd_utils.neural import data, models, prune, train

pytestmark = pytest.mark.usefixtures("one_thread")


def _trained_like(model):
    """Give every weight a distinct random magnitude (as a trained model would have)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    return model


@pytest.mark.parametrize("keep", [1, 10, 1000, 4310])
def test_magnitude_mask_keeps_exactly_keep_weights_the_largest(keep):
    net = _trained_like(models.resnet20(2))
    assert prune.prunable_count(net) == 4310  # conv 1044 k^2 + 27 k, fc 4 k * 10, at k = 2
    mask = prune.magnitude_mask(net, keep=keep)
    assert prune.kept(mask) == keep
    params = dict(net.named_parameters())
    kept_abs = torch.cat([params[n].abs()[m] for n, m in mask.items()])
    dropped_abs = torch.cat([params[n].abs()[~m] for n, m in mask.items()])
    if len(dropped_abs):
        assert kept_abs.min() >= dropped_abs.max()


def test_prunable_weights_of_resnet20_are_the_convs_and_the_classifier():
    net = models.resnet20(2)
    names = prune.prunable_names(net)
    assert len(names) == 20  # 19 convolutions and one linear layer: ResNet-"20"
    assert prune.prunable_count(net) == 1044 * 4 + 27 * 2 + 8 * 10


def test_wide_model_pruned_to_the_weight_count_of_a_base_model():
    wide, base = models.two_layer(64), models.two_layer(8)
    mask = prune.magnitude_mask(_trained_like(wide), keep=prune.prunable_count(base))
    assert prune.kept(mask) == 784 * 8 + 8 * 10


def test_random_mask_keeps_the_same_count_and_is_seeded():
    net = _trained_like(models.two_layer(16))
    a = prune.random_mask(net, keep=500, generator=torch.Generator().manual_seed(1))
    b = prune.random_mask(net, keep=500, generator=torch.Generator().manual_seed(1))
    c = prune.random_mask(net, keep=500, generator=torch.Generator().manual_seed(2))
    assert prune.kept(a) == 500
    assert all(torch.equal(a[n], b[n]) for n in a)
    assert any(not torch.equal(a[n], c[n]) for n in a)


def test_masks_only_shrink_and_density_after_L_levels_of_20_percent_is_0_8_to_the_L():
    net = _trained_like(models.resnet20(2))
    total = prune.prunable_count(net)
    mask = None
    for level in range(1, 8):
        with torch.no_grad():  # weights move between levels, as retraining would move them
            for p in net.parameters():
                p.add_(0.5 * torch.randn_like(p))
        new = prune.magnitude_mask(net, fraction=0.2, mask=mask)
        if mask is not None:
            assert all(not (new[n] & ~mask[n]).any() for n in new)  # nothing revived
        mask = new
        # each level rounds to a whole weight, so allow half a weight per level
        assert abs(prune.kept(mask) - total * 0.8**level) <= 0.5 * level
        assert prune.density(mask) == pytest.approx(0.8**level, abs=level / total)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"keep": 10**9}, r"^keep must be an integer in \[1, 4310\]"),
        ({"keep": 0}, r"^keep must be an integer in \[1, 4310\]"),
        ({"fraction": 1.0}, r"^fraction must be in \[0, 1\)"),
        ({}, "give exactly one of keep"),
    ],
)
def test_invalid_pruning_targets_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        prune.magnitude_mask(models.resnet20(2), **kwargs)


def _adam_through_pruning(mask_in_loop: bool) -> tuple[torch.nn.Module, prune.Mask]:
    """Dense Adam steps, prune, then more steps with the *same* optimizer (moments non-zero)."""
    torch.manual_seed(0)
    net = models.two_layer(32, in_features=20, num_classes=3)
    opt = train.make_optimizer(net, "adam", lr=1e-2)
    x, y = torch.randn(64, 20), torch.randint(0, 3, (64,))
    for _ in range(20):
        opt.zero_grad()
        train.loss_fn("ce", net(x), y).backward()
        opt.step()
    mask = prune.magnitude_mask(net, fraction=0.7)
    prune.apply_mask(net, mask)
    for _ in range(20):
        opt.zero_grad()
        train.loss_fn("ce", net(x), y).backward()
        if mask_in_loop:
            prune.mask_gradients(net, mask)
        opt.step()
        if mask_in_loop:
            prune.apply_mask(net, mask)
    return net, mask


def test_pruned_weights_stay_exactly_zero_through_adam_retraining():
    net, mask = _adam_through_pruning(mask_in_loop=True)
    params = dict(net.named_parameters())
    assert all(torch.count_nonzero(params[n][~m]) == 0 for n, m in mask.items())
    # the check can fail: without the mask in the loop, Adam's moments revive pruned weights
    net, mask = _adam_through_pruning(mask_in_loop=False)
    params = dict(net.named_parameters())
    assert sum(int(torch.count_nonzero(params[n][~m])) for n, m in mask.items()) > 0


def test_masked_optimizer_state_does_not_move_pruned_weights():
    net, mask = _adam_through_pruning(mask_in_loop=True)
    opt = train.make_optimizer(net, "sgd", lr=0.1, momentum=0.9)
    x, y = torch.randn(8, 20), torch.randint(0, 3, (8,))
    train.loss_fn("ce", net(x), y).backward()
    opt.step()  # dense momentum buffer
    prune.apply_mask(net, mask)
    prune.mask_optimizer_state(opt, net, mask)
    opt.zero_grad()
    opt.step()  # a step with no gradient moves weights by momentum only
    params = dict(net.named_parameters())
    assert all(torch.count_nonzero(params[n][~m]) == 0 for n, m in mask.items())


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_train_epoch_with_mask_keeps_zeros_and_learns(tmp_path, precision):
    root = write_fake_fashion_mnist(tmp_path)
    dd = data.DeviceData("fashion_mnist", n_train=400, root=root, device="cpu")
    torch.manual_seed(0)
    net = models.two_layer(32)
    mask = prune.magnitude_mask(net, keep=4000)  # of its 25,408 weights
    prune.apply_mask(net, mask)
    opt = train.make_optimizer(net, "adam", lr=1e-2)
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        m = train.train_epoch(net, dd, opt, gen, batch_size=64, mask=mask, precision=precision)
    params = dict(net.named_parameters())
    assert all(torch.count_nonzero(params[n][~m]) == 0 for n, m in mask.items())
    assert m["train_err"] < 0.2  # the synthetic classes are easy: 90 % chance level
    ev = train.evaluate(net, dd, precision=precision)
    assert ev["test_err"] < 0.3 and ev["train_err_noisy"] is None


def test_mse_loss_is_squared_distance_to_one_hot():
    logits = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    y = torch.tensor([0, 1])
    assert train.loss_fn("mse", logits, y).item() == pytest.approx((0 + 1) / 2)
    with pytest.raises(ValueError, match="^loss must be one of"):
        train.loss_fn("hinge", logits, y)
    with pytest.raises(ValueError, match=r"^lr must be in \(0, inf\)"):
        train.make_optimizer(models.two_layer(2), "adam", lr=0)
    with pytest.raises(ValueError, match="^optimizer must be one of"):
        train.make_optimizer(models.two_layer(2), "lbfgs")


@pytest.mark.slow
def test_resnet20_train_prune_retrain_on_512_real_cifar10_images(tmp_path, monkeypatch):
    root = os.environ.get("PRUNEDD_DATA_ROOT", "").strip()
    if not root:
        pytest.skip("PRUNEDD_DATA_ROOT is unset: point it at the folder of cifar10.npz "
                    "(CI uses /work/shared/data)")
    from prunedd_utils.runs import RunSettings
    from prunedd_utils.runs.pipeline import execute

    monkeypatch.setenv("PRUNEDD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PRUNEDD_CACHE", str(tmp_path / "cache"))
    s = RunSettings(dataset="cifar10", model="resnet20", width=2, n_train=512, n_test=500,
                    epochs=2, augment=True, lr=2e-3, prune="magnitude", base_width=1)
    start = time.perf_counter()
    m = execute(s, "e2e", progress=False)
    assert time.perf_counter() - start < 60
    keep = 1044 + 27 + 40  # conv and fc weights of the k = 1 base model
    assert m["levels"][0]["mask"]["kept"] == keep
    assert m["params"] == 1044 * 4 + 153 * 2 + 10
    for stage in (m["dense"], m["levels"][0]["pruned"], m["final"]):
        assert 0 <= stage["test_err"] <= 1 and stage["test_loss"] > 0
    assert m["final"]["train_err"] < 0.9  # learnt something in 2 epochs (chance: 0.9)
    assert len(m["levels"][0]["history"]) == 2


def test_lr_schedules_closed_forms():
    from prunedd_utils.neural import train

    assert train.lr_at("constant", 0.1, 7, 10) == 0.1
    assert [train.lr_at("step", 1.0, e, 10, (3, 6), 0.5) for e in (0, 2, 3, 5, 6, 9)] == [
        1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert train.lr_at("cosine", 2.0, 0, 10) == 2.0
    assert abs(train.lr_at("cosine", 2.0, 5, 10) - 1.0) < 1e-12
    with pytest.raises(ValueError, match="schedule must be one of"):
        train.lr_at("linear", 1.0, 0, 10)
