"""The checks of ``RunSettings.validate``: every field against its allowed range, before any work.

Each failure is a ``ValueError`` naming the field and what it may be, so a sweep stops
before it writes a file or trains a step.
"""

from __future__ import annotations

import math

from .settings import RETRAIN_LR, RunSettings, fields_of

MAX_SEED = 2**63 - 1  # torch generators take seeds below 2**64; numpy's below 2**128
MAX_WIDTH = 4096  # wider than any preset; a typo such as width=10**9 fails here, not mid-run


def _integer(s: RunSettings, name: str, low: int, high: int | None = None) -> None:
    v = getattr(s, name)
    ok = isinstance(v, int) and not isinstance(v, bool) and v >= low
    if not ok or (high is not None and v > high):
        rng = f"[{low}, {high}]" if high is not None else f"[{low}, inf)"
        raise ValueError(f"{name} must be an integer in {rng}, got {v!r}")


def _number(s: RunSettings, name: str, low: float, high: float, closed_low=True,
            closed_high=True) -> None:
    v = getattr(s, name)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if ok:
        ok = (v >= low if closed_low else v > low) and (v <= high if closed_high else v < high)
    if not ok:
        rng = f"{'[' if closed_low else '('}{low}, {high}{']' if closed_high else ')'}"
        raise ValueError(f"{name} must be a finite number in {rng}, got {v!r}")


def _choice(s: RunSettings, name: str, allowed) -> None:
    v = getattr(s, name)
    if v not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {v!r}")


def _epochs(s: RunSettings, name: str) -> None:
    v = getattr(s, name)
    if not isinstance(v, tuple) or not all(
        isinstance(e, int) and not isinstance(e, bool) and 1 <= e <= s.epochs for e in v
    ):
        raise ValueError(f"{name} must be a tuple of epochs in [1, {s.epochs}], got {v!r}")


def _kept_weights(s: RunSettings) -> int:
    """Weights the last pruning level keeps (the count ``neural.prune`` will reach)."""
    from ..neural import prune

    available = prune.prunable_count(s.build_model(meta=True))
    target = s.target_keep()
    if target is not None:
        if not 1 <= target <= available:
            raise ValueError(f"keep must be in [1, {available}] (the model's prunable weights), "
                             f"got {target} (from keep={s.keep}, base_width={s.base_width})")
        return target
    count = available
    for _ in range(s.prune_levels):
        count = int(round((1.0 - s.prune_fraction) * count))
    return count


def validate(s: RunSettings) -> None:
    """Raise ValueError naming the first invalid field of ``s``."""
    from ..neural import data, models, train

    data.check_name(s.dataset)
    _choice(s, "model", sorted(models.REGISTRY))
    for name, low in (("n_train", 0), ("n_test", 0), ("batch_size", 0), ("epochs", 1),
                      ("eval_every", 1), ("keep", 0), ("prune_levels", 1),
                      ("retrain_epochs", 0)):
        _integer(s, name, low)
    _integer(s, "width", 1, MAX_WIDTH)
    _integer(s, "base_width", 0, MAX_WIDTH)
    _integer(s, "seed", 0, MAX_SEED)
    _integer(s, "data_seed", 0, MAX_SEED)
    _number(s, "label_noise", 0.0, 1.0, closed_high=False)
    _choice(s, "optimizer", train.OPTIMIZERS)
    _choice(s, "precision", train.PRECISIONS)
    _choice(s, "loss", train.LOSSES)
    _choice(s, "schedule", train.SCHEDULES)
    _number(s, "lr", 0.0, 1e3, closed_low=False)
    _number(s, "gamma", 0.0, 1.0, closed_low=False)
    _number(s, "momentum", 0.0, 1.0, closed_high=False)
    _number(s, "weight_decay", 0.0, 1e3)
    for name in ("augment", "compile"):
        if not isinstance(getattr(s, name), bool):
            raise ValueError(f"{name} must be True or False, got {getattr(s, name)!r}")
    if s.augment and s.dataset in data.FLOAT_DATASETS:
        raise ValueError(f"augment must be False for dataset {s.dataset!r} (random crops and "
                         "flips are defined for images, not for float signals)")
    _epochs(s, "milestones")
    _epochs(s, "save_epochs")
    _choice(s, "prune", ("none", "magnitude", "random"))
    if not s.is_pruned:
        changed = {f.name for f in fields_of("prune")} & set(s.changed())
        if changed:
            raise ValueError("a dense run (prune='none') must leave the pruning fields at "
                             f"their defaults, got {sorted(changed)} changed")
        return
    _validate_pruning(s)


def _validate_pruning(s: RunSettings) -> None:
    saved = set(s.save_epochs) | {s.epochs}
    _integer(s, "prune_at", -1, s.epochs)
    if s.prune_at > 0 and s.prune_at not in saved:
        raise ValueError(f"prune_at must be -1, 0, {s.epochs} or one of save_epochs "
                         f"{s.save_epochs}, got {s.prune_at}")
    _integer(s, "rewind", -1, s.epochs)
    if s.rewind > 0 and s.rewind not in saved:
        raise ValueError(f"rewind must be -1, 0, {s.epochs} or one of save_epochs "
                         f"{s.save_epochs}, got {s.rewind}")
    _choice(s, "retrain_lr", RETRAIN_LR)
    if s.retrain_lr == "rewind" and s.retrain_epochs_per_level() > s.epochs:
        raise ValueError(f"retrain_epochs must be at most epochs={s.epochs} with "
                         f"retrain_lr='rewind', got {s.retrain_epochs}")
    if s.keep and s.base_width:
        raise ValueError("give at most one of keep and base_width, got both")
    _number(s, "prune_fraction", 0.0, 1.0, closed_low=False, closed_high=False)
    if s.prune_levels > 1 and (s.keep or s.base_width):
        raise ValueError("prune_levels > 1 needs prune_fraction, not keep or base_width")
    if _kept_weights(s) < 1:
        raise ValueError(f"prune_fraction={s.prune_fraction} over prune_levels={s.prune_levels} "
                         "keeps no weight at all; use a smaller fraction or fewer levels")
