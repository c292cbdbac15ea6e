"""Pruning masks as data: ``{parameter name: bool tensor}`` over conv and linear weights.

Masks are plain dictionaries, so they can be saved, compared and counted. Global magnitude
pruning keeps an *exact* number of weights (ties are broken by ``torch.topk``), which lets a
wide model be pruned to the weight count of a narrower base model (the paper's Fig. 1);
random pruning keeps the same number of uniformly drawn weights. Biases and batch-norm
parameters are never pruned. Pruning never revives a weight: a new mask is always a subset
of the current one.
"""

from __future__ import annotations

import torch
from torch import nn

Mask = dict[str, torch.Tensor]


def prunable_names(model: nn.Module) -> list[str]:
    """Names of the weights that pruning acts on: those of Conv2d and Linear layers."""
    return [
        f"{mod_name}.weight" if mod_name else "weight"
        for mod_name, mod in model.named_modules()
        if isinstance(mod, (nn.Conv2d, nn.Linear))
    ]


def prunable_count(model: nn.Module) -> int:
    """Number of weights pruning can act on (the dense model's conv and linear weights)."""
    params = dict(model.named_parameters())
    return sum(params[n].numel() for n in prunable_names(model))


def dense_mask(model: nn.Module) -> Mask:
    """The mask that keeps every prunable weight."""
    params = dict(model.named_parameters())
    return {n: torch.ones_like(params[n], dtype=torch.bool) for n in prunable_names(model)}


def kept(mask: Mask) -> int:
    """Number of weights a mask keeps."""
    return int(sum(int(m.sum()) for m in mask.values()))


def size(mask: Mask) -> int:
    """Number of weights a mask covers."""
    return int(sum(m.numel() for m in mask.values()))


def density(mask: Mask) -> float:
    """Fraction of the covered weights a mask keeps."""
    return kept(mask) / size(mask)


def report(mask: Mask) -> dict:
    """A JSON-ready sparsity report: kept and total weights overall and per layer."""
    return {
        "kept": kept(mask),
        "total": size(mask),
        "density": density(mask),
        "layers": {n: [int(m.sum()), m.numel()] for n, m in mask.items()},
    }


def _current(model: nn.Module, mask: Mask | None) -> Mask:
    if mask is None:
        return dense_mask(model)
    names = prunable_names(model)
    if sorted(mask) != sorted(names):
        raise ValueError(
            f"mask must cover exactly the prunable weights {names}, got {sorted(mask)}"
        )
    return mask


def _keep_count(mask: Mask, keep: int | None, fraction: float | None) -> int:
    """Resolve ``keep`` (a count) or ``fraction`` (of the currently kept weights to remove)."""
    available = kept(mask)
    if (keep is None) == (fraction is None):
        raise ValueError("give exactly one of keep (a count) and fraction (to remove)")
    if fraction is not None:
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"fraction must be in [0, 1), got {fraction!r}")
        return int(round((1.0 - fraction) * available))
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= available:
        raise ValueError(
            f"keep must be an integer in [1, {available}] (weights left), got {keep!r}"
        )
    return keep


def _mask_from_scores(mask: Mask, scores: dict[str, torch.Tensor], count: int) -> Mask:
    """Keep the ``count`` highest-scoring entries among those ``mask`` keeps (one global top-k)."""
    names = list(mask)
    flat = torch.cat([torch.where(mask[n], scores[n], -torch.inf).flatten() for n in names])
    chosen = torch.zeros(flat.numel(), dtype=torch.bool, device=flat.device)
    chosen[torch.topk(flat, count, sorted=False).indices] = True
    out, start = {}, 0
    for n in names:
        numel = mask[n].numel()
        out[n] = chosen[start : start + numel].view_as(mask[n]) & mask[n]
        start += numel
    return out


def magnitude_mask(
    model: nn.Module,
    keep: int | None = None,
    fraction: float | None = None,
    mask: Mask | None = None,
) -> Mask:
    """Global magnitude pruning: keep the ``keep`` largest |w| (or remove ``fraction`` of them).

    Only weights the current ``mask`` keeps compete, so masks only shrink; ``fraction``
    removes that share of the weights still kept (one level of iterative pruning).
    """
    mask = _current(model, mask)
    count = _keep_count(mask, keep, fraction)
    params = dict(model.named_parameters())
    with torch.no_grad():
        scores = {n: params[n].detach().abs().float() for n in mask}
        return _mask_from_scores(mask, scores, count)


def random_mask(
    model: nn.Module,
    keep: int | None = None,
    fraction: float | None = None,
    mask: Mask | None = None,
    generator: torch.Generator | None = None,
) -> Mask:
    """Random pruning to the same counts as ``magnitude_mask``: kept weights drawn uniformly."""
    mask = _current(model, mask)
    count = _keep_count(mask, keep, fraction)
    scores = {
        n: torch.rand(m.shape, generator=generator).to(m.device) for n, m in mask.items()
    }
    return _mask_from_scores(mask, scores, count)


def apply_mask(model: nn.Module, mask: Mask) -> None:
    """Set the pruned weights to exactly zero (in place)."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for n, m in mask.items():
            params[n].mul_(m.to(params[n].dtype))


def mask_gradients(model: nn.Module, mask: Mask) -> None:
    """Zero the gradients of pruned weights, so no optimizer statistic is fed by them."""
    params = dict(model.named_parameters())
    for n, m in mask.items():
        if params[n].grad is not None:
            params[n].grad.mul_(m.to(params[n].grad.dtype))


def mask_optimizer_state(optimizer: torch.optim.Optimizer, model: nn.Module, mask: Mask) -> None:
    """Zero the optimizer's per-weight state (momentum, Adam moments) of pruned weights.

    Needed when an optimizer that trained the dense model keeps going after pruning: its
    stored moments would otherwise push pruned weights away from zero.
    """
    params = dict(model.named_parameters())
    with torch.no_grad():
        for n, m in mask.items():
            for value in optimizer.state.get(params[n], {}).values():
                if isinstance(value, torch.Tensor) and value.shape == m.shape:
                    value.mul_(m.to(value.dtype))


def to_cpu(mask: Mask) -> Mask:
    """A copy of the mask on the CPU (for saving)."""
    return {n: m.detach().cpu().clone() for n, m in mask.items()}
