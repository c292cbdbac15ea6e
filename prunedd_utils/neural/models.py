"""The neural networks of the experiments: CIFAR ResNet-20 of width k, a two-layer net and
an MLP with two hidden layers (MNIST-1D's 40-h-h-10).

``build(name, width, ...)`` makes any of them by name (the run store records only the name
and the width); ``resnet20(k)``, ``two_layer(h, ...)`` and ``mlp(h, ...)`` are the named
constructors.

The ResNet-20 is the CIFAR network of He et al. (2016, Sec. 4.2) with the stage widths
``(k, 2k, 4k)`` varied as in Nakkiran et al. (2019): a 3x3 stem, three stages of three basic
blocks, global average pooling and one linear layer. Its shortcuts are the paper's
parameter-free "option A" (subsample by 2 and pad the new channels with zeros), so the
parameter count is exactly ``1044 k**2 + 153 k + 10`` for 10 classes (269,722 at k = 16).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


class _PadShortcut(nn.Module):
    """Option-A shortcut: subsample by ``stride`` and zero-pad to ``out_channels``."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.stride, self.extra = stride, out_channels - in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        if self.extra:
            # Split the new channels evenly before and after, as the usual CIFAR code does.
            lo = self.extra // 2
            x = F.pad(x, (0, 0, 0, 0, lo, self.extra - lo))
        return x


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with a ReLU between and a residual connection."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = (
            _PadShortcut(in_channels, out_channels, stride)
            if stride != 1 or in_channels != out_channels
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """CIFAR ResNet with ``blocks`` basic blocks per stage and stage widths (k, 2k, 4k)."""

    def __init__(self, k: int, blocks: int = 3, num_classes: int = 10, in_channels: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, k, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(k)
        layers, channels = [], k
        for stage, width in enumerate((k, 2 * k, 4 * k)):
            for b in range(blocks):
                stride = 2 if stage > 0 and b == 0 else 1
                layers.append(BasicBlock(channels, width, stride))
                channels = width
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(channels, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(F.relu(self.bn(self.conv(x))))
        return self.fc(out.mean(dim=(2, 3)))


def resnet20(k: int, num_classes: int = 10, in_channels: int = 3) -> ResNet:
    """ResNet-20 of width ``k`` (stages k, 2k, 4k), 1044 k^2 + 153 k + 10 parameters."""
    _check_positive_int("k", k)
    _check_positive_int("num_classes", num_classes)
    _check_positive_int("in_channels", in_channels)
    return ResNet(k, blocks=3, num_classes=num_classes, in_channels=in_channels)


def resnet20_parameter_count(k: int, num_classes: int = 10) -> int:
    """Closed form of the ResNet-20 parameter count (3 input channels, option-A shortcuts).

    Convolutions give 27k + 1044k^2 (stem 27k; stages 54k^2, 198k^2, 792k^2), batch norms
    2 * (k + 6k + 12k + 24k) = 86k, and the classifier 4k * C + C.
    """
    _check_positive_int("k", k)
    _check_positive_int("num_classes", num_classes)
    return 1044 * k * k + 113 * k + 4 * k * num_classes + num_classes


class TwoLayer(nn.Sequential):
    """Flatten, a hidden layer of ``h`` ReLU units, and a linear read-out."""

    def __init__(self, h: int, in_features: int, num_classes: int):
        super().__init__(
            nn.Flatten(), nn.Linear(in_features, h), nn.ReLU(), nn.Linear(h, num_classes)
        )


def two_layer(h: int, in_features: int = 784, num_classes: int = 10) -> TwoLayer:
    """Fully connected net with one hidden layer of width ``h``: (in + 1) h + (h + 1) C params."""
    _check_positive_int("h", h)
    _check_positive_int("in_features", in_features)
    _check_positive_int("num_classes", num_classes)
    return TwoLayer(h, in_features, num_classes)


class MLP(nn.Sequential):
    """Flatten, two hidden layers of ``h`` ReLU units, and a linear read-out."""

    def __init__(self, h: int, in_features: int, num_classes: int):
        super().__init__(
            nn.Flatten(), nn.Linear(in_features, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
            nn.Linear(h, num_classes),
        )


def mlp(h: int, in_features: int = 40, num_classes: int = 10) -> MLP:
    """Fully connected in-h-h-C net (two hidden layers of width ``h``, ReLU), PyTorch's
    default initialisation; ``mlp_parameter_count`` parameters (40-h-h-10 for MNIST-1D)."""
    _check_positive_int("h", h)
    _check_positive_int("in_features", in_features)
    _check_positive_int("num_classes", num_classes)
    return MLP(h, in_features, num_classes)


def mlp_parameter_count(h: int, in_features: int = 40, num_classes: int = 10) -> int:
    """Closed form of the MLP's parameter count: (in + 1) h + (h + 1) h + (h + 1) C.

    That is h^2 + (in + C + 2) h + C: h^2 + 52 h + 10 for 40-h-h-10 (105,610 at h = 300).
    All of it but the 2h + C biases is prunable (three Linear weights).
    """
    _check_positive_int("h", h)
    _check_positive_int("in_features", in_features)
    _check_positive_int("num_classes", num_classes)
    return h * h + (in_features + num_classes + 2) * h + num_classes


def _build_resnet20(width: int, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    return resnet20(width, num_classes=num_classes, in_channels=input_shape[0])


def _build_two_layer(width: int, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    in_features = 1
    for d in input_shape:
        in_features *= d
    return two_layer(width, in_features=in_features, num_classes=num_classes)


def _build_mlp(width: int, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    in_features = 1
    for d in input_shape:
        in_features *= d
    return mlp(width, in_features=in_features, num_classes=num_classes)


REGISTRY: dict[str, Callable[[int, tuple[int, ...], int], nn.Module]] = {
    "resnet20": _build_resnet20,
    "two_layer": _build_two_layer,
    "mlp": _build_mlp,
}
"""Model constructors by name: ``f(width, input_shape (C, H, W), num_classes)``."""


def build(name: str, width: int, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The model called ``name`` (a key of ``REGISTRY``) at ``width`` for the given inputs."""
    if name not in REGISTRY:
        raise ValueError(f"model must be one of {sorted(REGISTRY)}, got {name!r}")
    _check_positive_int("width", width)
    if len(input_shape) != 3 or any(int(d) < 1 for d in input_shape):
        raise ValueError(f"input_shape must be (channels, height, width), got {input_shape!r}")
    return REGISTRY[name](width, tuple(int(d) for d in input_shape), num_classes)


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters (all entries, pruned or not)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def forward_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one forward pass of one input, counted over conv and linear layers.

    A training step costs about three forward passes (forward, and backward for inputs and
    weights), so training FLOPs per image are ``2 * 3 * forward_macs``; batch norm, ReLU and
    the optimizer are left out (a few per cent for ResNet-20).
    """
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += output[0].numel() * (module.in_channels // module.groups) * kh * kw
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            was_training = model.training
            model.eval()
            model(torch.zeros((1, *input_shape), device=next(model.parameters()).device))
            model.train(was_training)
    finally:
        for h in hooks:
            h.remove()
    return total
