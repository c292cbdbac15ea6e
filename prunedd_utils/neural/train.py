"""Training and evaluation: optimizers, losses, one epoch, and full-set metrics.

One epoch draws its batches from ``DeviceData`` with an explicit ``torch.Generator``, so a
run is reproducible and can be resumed mid-way by restoring that generator's state. When a
pruning mask is given, masked gradients are zeroed before and the mask is re-applied after
every optimizer step, so pruned weights stay exactly zero whatever the optimizer's state.

Every function that runs the model takes an optional ``forward``: the callable that does
the forward pass (``compile_forward(model)``, a ``torch.compile`` of it), while ``model``
itself stays the module whose parameters masks, modes, the optimizer and state dicts act
on. The compiled module shares those parameters, so an in-place mask reaches it at once.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from .. import runtime
from . import prune
from .data import DeviceData

OPTIMIZERS = ("adam", "sgd")
LOSSES = ("ce", "mse")
PRECISIONS = ("fp32", "bf16")
SCHEDULES = ("constant", "step", "cosine")


def lr_at(
    schedule: str, lr: float, epoch: int, total: int, milestones=(), gamma: float = 0.1
) -> float:
    """The learning rate of epoch ``epoch`` (0-based) of ``total``, set once per epoch.

    ``constant`` keeps ``lr``; ``step`` multiplies it by ``gamma`` at each epoch of
    ``milestones`` (the ResNet recipe); ``cosine`` decays it from ``lr`` towards 0 as
    ``lr * (1 + cos(pi * epoch / total)) / 2``. A function of the epoch only, so a resumed
    run sets the same rates as an uninterrupted one.
    """
    if schedule == "constant":
        return lr
    if schedule == "step":
        return lr * gamma ** sum(epoch >= m for m in milestones)
    if schedule == "cosine":
        return lr * 0.5 * (1.0 + math.cos(math.pi * epoch / total))
    raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set the learning rate of every parameter group."""
    for group in optimizer.param_groups:
        group["lr"] = lr


_warned_bf16 = False  # the slow-bf16 warning is given once per process


def autocast(device: torch.device, precision: str):
    """Mixed precision context: ``bf16`` runs matmuls and convolutions in bfloat16.

    On CPUs with AMX or AVX512-BF16 (and on GPUs) this is 2-3x faster for ResNets; the
    weights, the optimizer and the loss stay in float32. On a CPU without native bf16
    (``runtime.native_bf16()``) bf16 is emulated and much slower than fp32: asking for it
    there warns, once per process.
    """
    global _warned_bf16
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    device = torch.device(device)
    if precision == "bf16" and device.type == "cpu" and not _warned_bf16 \
            and not runtime.native_bf16():
        _warned_bf16 = True
        warnings.warn(
            f"precision='bf16' on a CPU without native bf16 (torch CPU capability "
            f"{runtime.cpu_capability()}, no AVX512-BF16 or AMX-BF16): bf16 is emulated there, "
            f"and was measured at 0.10x the fp32 speed on an AVX2-only CPU "
            f"(benchmarks/bench_training.py); precision='fp32' is faster on this machine",
            UserWarning, stacklevel=2)
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


def compile_forward(model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """``torch.compile(model)`` (inductor, default mode), sharing the model's parameters.

    Compilation happens at the first call of each new input shape or mode (train/eval,
    grad/no-grad) and takes tens of seconds for ResNet-20 on a CPU; it needs a C++ compiler.
    Dynamo's cache is cleared first: it keeps compiled code per parameter shape, and a
    width sweep would otherwise reach its recompilation limit and silently run eagerly.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    torch._dynamo.reset()
    return torch.compile(model)


def make_optimizer(
    model: nn.Module,
    name: str = "adam",
    lr: float = 1e-3,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
) -> torch.optim.Optimizer:
    """Adam (the paper's choice) or SGD with (Nesterov-free) momentum."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
    if not lr > 0:
        raise ValueError(f"lr must be in (0, inf), got {lr!r}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be in [0, inf), got {weight_decay!r}")
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)


def loss_fn(name: str, logits: torch.Tensor, y: torch.Tensor, reduction: str = "mean"):
    """Cross-entropy, or the squared error between the outputs and one-hot labels."""
    if name == "ce":
        return F.cross_entropy(logits, y, reduction=reduction)
    if name == "mse":
        target = F.one_hot(y, logits.shape[1]).to(logits.dtype)
        per_sample = ((logits - target) ** 2).sum(dim=1)
        return per_sample.mean() if reduction == "mean" else per_sample
    raise ValueError(f"loss must be one of {LOSSES}, got {name!r}")


def train_epoch(
    model: nn.Module,
    data: DeviceData,
    optimizer: torch.optim.Optimizer,
    generator: torch.Generator,
    batch_size: int = 128,
    loss: str = "ce",
    augment: bool = False,
    mask: prune.Mask | None = None,
    channels_last: bool = False,
    precision: str = "fp32",
    forward: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> dict[str, float]:
    """One pass over the training data; returns the running train loss and error.

    ``forward`` (default ``model``) computes the logits, e.g. ``compile_forward(model)``.
    """
    cast = autocast(data.device, precision)
    forward = model if forward is None else forward
    model.train()
    total_loss = torch.zeros((), device=data.device)
    wrong = torch.zeros((), device=data.device, dtype=torch.long)
    for x, y in data.batches(batch_size, generator, augment):
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with cast:
            logits = forward(x)
            value = loss_fn(loss, logits, y)
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        if mask is not None:
            prune.mask_gradients(model, mask)
        optimizer.step()
        if mask is not None:
            prune.apply_mask(model, mask)
        total_loss += value.detach() * len(y)
        wrong += (logits.detach().argmax(1) != y).sum()
    n = data.n_train
    return {"train_loss": float(total_loss) / n, "train_err": int(wrong) / n}


@torch.no_grad()
def predict(
    model: nn.Module,
    data: DeviceData,
    x: torch.Tensor,
    batch_size: int = 1000,
    channels_last: bool = False,
    precision: str = "fp32",
    forward: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Float32 logits of ``model`` (in eval mode) for uint8 images ``x``, in batches.

    ``forward`` (default ``model``) computes the logits, e.g. ``compile_forward(model)``.
    """
    cast = autocast(data.device, precision)
    forward = model if forward is None else forward
    model.eval()
    outs = []
    for start in range(0, len(x), batch_size):
        xb = data.normalize(x[start : start + batch_size])
        if channels_last:
            xb = xb.contiguous(memory_format=torch.channels_last)
        with cast:
            outs.append(forward(xb).float())
    return torch.cat(outs)


def evaluate(
    model: nn.Module,
    data: DeviceData,
    loss: str = "ce",
    train: bool = True,
    channels_last: bool = False,
    precision: str = "fp32",
    forward: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> dict[str, float]:
    """Test loss and error, and (if ``train``) train loss and error, also split clean/noisy.

    Train error is measured against the labels the model was trained on (noisy ones
    included); ``train_err_clean`` and ``train_err_noisy`` split it by corrupted index,
    and ``train_err_true`` scores the same predictions against the original labels.
    """
    out = {}
    logits = predict(model, data, data.x_test, channels_last=channels_last, precision=precision,
                     forward=forward)
    out["test_loss"] = float(loss_fn(loss, logits, data.y_test))
    out["test_err"] = float((logits.argmax(1) != data.y_test).float().mean())
    if train:
        logits = predict(model, data, data.x_train, channels_last=channels_last,
                         precision=precision, forward=forward)
        pred = logits.argmax(1)
        wrong = pred != data.y_train
        out["train_loss"] = float(loss_fn(loss, logits, data.y_train))
        out["train_err"] = float(wrong.float().mean())
        clean = ~data.is_noisy
        out["train_err_clean"] = float(wrong[clean].float().mean()) if clean.any() else None
        noisy = data.is_noisy
        out["train_err_noisy"] = float(wrong[noisy].float().mean()) if noisy.any() else None
        out["train_err_true"] = float((pred != data.y_clean).float().mean())
    return out
