"""Models: parameter counts in closed form, shapes, the registry, and invalid widths."""

from __future__ import annotations

import pytest
import torch

from prunedd_utils.neural import models


def test_resnet20_k16_has_269722_parameters():
    # He et al. (2016), CIFAR ResNet-20 with option-A shortcuts: the well-known 0.27M.
    assert models.parameter_count(models.resnet20(16)) == 269_722


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 10])
def test_resnet20_count_matches_1044k2_153k_10(k):
    assert models.parameter_count(models.resnet20(k)) == 1044 * k * k + 153 * k + 10
    assert models.resnet20_parameter_count(k) == 1044 * k * k + 153 * k + 10


def test_resnet20_base_widths_of_the_paper_have_about_28k_70k_109k_parameters():
    # Theory Sec. 8: the three sparsity targets are most likely k = 5, 8, 10.
    counts = [models.resnet20_parameter_count(k) for k in (5, 8, 10)]
    assert counts == [26_875, 68_050, 105_940]


def test_resnet20_output_shape_and_option_a_shortcut_has_no_parameters():
    net = models.resnet20(2, num_classes=100)
    assert net(torch.zeros(3, 3, 32, 32)).shape == (3, 100)
    assert models.parameter_count(net) == 1044 * 4 + 113 * 2 + 4 * 2 * 100 + 100
    shortcut = net.layers[3].shortcut  # first block of stage 2: 2 -> 4 channels, stride 2
    assert sum(p.numel() for p in shortcut.parameters()) == 0
    x = torch.randn(1, 2, 8, 8)
    y = shortcut(x)
    assert y.shape == (1, 4, 4, 4)
    assert torch.equal(y[:, 1:3], x[:, :, ::2, ::2]) and not y[:, [0, 3]].any()


@pytest.mark.parametrize("h", [1, 7, 100])
def test_two_layer_count_is_in_plus_one_times_h_plus_h_plus_one_times_c(h):
    net = models.two_layer(h, in_features=784, num_classes=10)
    assert models.parameter_count(net) == 785 * h + (h + 1) * 10
    assert net(torch.zeros(5, 1, 28, 28)).shape == (5, 10)


def test_registry_builds_by_name():
    net = models.build("two_layer", 4, (1, 28, 28), 10)
    assert models.parameter_count(net) == 785 * 4 + 50
    net = models.build("resnet20", 3, (3, 32, 32), 10)
    assert models.parameter_count(net) == 1044 * 9 + 153 * 3 + 10


@pytest.mark.parametrize(
    "call, param",
    [
        (lambda: models.resnet20(0), "k"),
        (lambda: models.resnet20(2.0), "k"),
        (lambda: models.two_layer(0), "h"),
        (lambda: models.resnet20(4, num_classes=0), "num_classes"),
        (lambda: models.build("vgg", 4, (3, 32, 32), 10), "model"),
        (lambda: models.build("resnet20", 0, (3, 32, 32), 10), "width"),
        (lambda: models.build("resnet20", 4, (32, 32), 10), "input_shape"),
    ],
)
def test_invalid_inputs_name_the_parameter(call, param):
    with pytest.raises(ValueError, match=f"^{param} must"):
        call()


@pytest.mark.parametrize("k", [2, 5, 16])
def test_forward_macs_of_resnet20_match_the_closed_form(k):
    # first conv 32*32*k*3*9; stage 1: six 3x3 convs k->k at 32x32; stages 2 and 3: a
    # strided conv then five convs at 16x16 (2k) and 8x8 (4k); the linear layer 4k*10
    closed = 27648 * k + (55296 + 4608 + 46080 + 4608 + 46080) * k * k + 40 * k
    assert models.forward_macs(models.resnet20(k), (3, 32, 32)) == closed


def test_forward_macs_of_the_two_layer_net():
    assert models.forward_macs(models.two_layer(10), (1, 28, 28)) == 784 * 10 + 10 * 10


@pytest.mark.parametrize("h", [1, 2, 16, 61, 300])
def test_mlp_count_is_h2_plus_52h_plus_10_for_40_h_h_10(h):
    # (40 + 1) h + (h + 1) h + (h + 1) 10 = h^2 + 52 h + 10; 105,610 at h = 300
    net = models.mlp(h)
    assert models.parameter_count(net) == h * h + 52 * h + 10
    assert models.mlp_parameter_count(h) == h * h + 52 * h + 10
    assert models.mlp_parameter_count(h, in_features=784, num_classes=3) == (
        models.parameter_count(models.mlp(h, 784, 3)))
    assert net(torch.zeros(5, 1, 1, 40)).shape == (5, 10)


def test_mlp_by_name_has_two_hidden_relu_layers_and_three_prunable_weights():
    from prunedd_utils.neural import prune

    net = models.build("mlp", 6, (1, 1, 40), 10)
    assert models.parameter_count(net) == models.mlp_parameter_count(6) == 6 * 6 + 52 * 6 + 10
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(40, 6), (6, 6), (6, 10)]
    assert sum(isinstance(m, torch.nn.ReLU) for m in net) == 2
    assert prune.prunable_names(net) == ["1.weight", "3.weight", "5.weight"]
    assert prune.prunable_count(net) == 6 * 6 + 50 * 6
    assert models.forward_macs(net, (1, 1, 40)) == 40 * 6 + 6 * 6 + 6 * 10
    assert models.parameter_count(models.build("mlp", 3, (1, 28, 28), 10)) == (
        models.mlp_parameter_count(3, in_features=784))
    with pytest.raises(ValueError, match="^h must"):
        models.mlp(0)
    with pytest.raises(ValueError, match="^in_features must"):
        models.mlp_parameter_count(2, in_features=0)
