"""The two stages of a threshold study, whatever its data set and model.

A threshold sweep (``threshold_mnist1d``, ``threshold_cifar``) defines its dense recipe;
this module turns it into runs:

1. the dense stage: one run per (width, seed), each keeping the weights of
   :func:`save_epochs` (so any checkpoint chosen later exists);
2. the prune stage: :func:`plan` reads the stored dense runs, finds the interpolation
   threshold (IT) and the widths around it, and picks each width's checkpoints;
   :func:`prune_runs` lists, per checkpoint, iterative magnitude pruning (IMP) in the
   retraining modes, random IMP and one-shot pruning to the counts of some IMP levels.
"""

from __future__ import annotations

import dataclasses
import inspect

from .. import threshold
from ..runs.settings import RunSettings
from ..runs.store import Run

STAGES = ("dense", "prune")
CHECKPOINTS = ("optimum", "interpolation", "final")
MODES = ("finetune", "rewind_weights", "rewind_lr")


def check(stage, checkpoints, modes, rewind_epoch, epochs, seeds=(), prune_seeds=(),
          ratios=(1.0,), widths_to_prune="auto") -> None:
    """ValueError naming the first parameter out of range (before anything is computed)."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    bad = sorted(set(checkpoints) - set(CHECKPOINTS)) + sorted(set(modes) - set(MODES))
    if bad:
        raise ValueError(f"checkpoints must be among {CHECKPOINTS} and modes among {MODES}, "
                         f"got {bad}")
    if not 1 <= int(rewind_epoch) < int(epochs):
        raise ValueError(f"rewind_epoch must be in [1, epochs - 1], got {rewind_epoch!r}")
    if not checkpoints:
        raise ValueError(f"checkpoints must name at least one of {CHECKPOINTS}, got none")
    missing = sorted(set(prune_seeds) - set(seeds))
    if missing and stage == "prune":  # a dense sweep of fewer seeds needs no prune_seeds
        raise ValueError(f"prune_seeds must be among the seeds {tuple(seeds)}, got {missing}")
    if not ratios or not all(float(r) > 0 for r in ratios):
        raise ValueError(f"ratios must be one or more numbers > 0, got {ratios!r}")
    if widths_to_prune != "auto" and (
            isinstance(widths_to_prune, str | int) or not all(
                isinstance(w, int) and not isinstance(w, bool) for w in widths_to_prune)):
        raise ValueError(f"widths_to_prune must be 'auto' or a tuple of widths, got "
                         f"{widths_to_prune!r}")


def save_epochs(epochs: int, rewind_epoch: int) -> tuple[int, ...]:
    """The epochs a dense run keeps: ``threshold.save_grid`` and the rewind epoch."""
    grid = set(threshold.save_grid(int(epochs))) | {int(rewind_epoch)}
    return tuple(sorted(grid - {int(epochs)}))


def _rate(lr: float, milestones, gamma: float, epoch: int) -> float:
    """The dense run's rate in epoch ``epoch`` (0-based): constant, or the step schedule."""
    return lr * gamma ** sum(epoch >= m for m in milestones)


def lr_rewinding_differs(epochs: int, retrain_epochs: int, lr: float, milestones,
                         gamma: float) -> bool:
    """Whether learning-rate rewinding uses other rates than fine-tuning (``retrain_lr``
    ``rewind`` against ``final``); never under a constant rate."""
    final = _rate(lr, milestones, gamma, epochs - 1)
    return any(_rate(lr, milestones, gamma, epochs - retrain_epochs + e) != final
               for e in range(retrain_epochs))


def stored(dense: dict, keys, experiment: str) -> dict:
    """The metrics of the dense runs ``keys`` of ``dense``; ValueError naming missing ones."""
    out, missing = {}, []
    for key in keys:
        run = Run(dense[key], experiment)
        if run.status() != "done":
            missing.append(key)
        else:
            out[key] = run.metrics()
    if missing:
        raise ValueError(f"stage 'prune' needs the stored dense runs: {len(missing)} of "
                         f"{len(keys)} (width, seed) are not done, e.g. {missing[:3]}; run the "
                         f"dense stage first (sweep {experiment} with the same parameters)")
    return out


def plan(dense: dict, widths, seeds, widths_to_prune, ratios, prune_seeds, tol,
         experiment: str) -> dict:
    """What the prune stage decides from the stored dense runs ``dense`` ((width, seed) ->
    settings).

    Returns ``{"threshold": ThresholdPeak or None, "widths": (...), "center": width or
    None, "checkpoints": {(width, seed): Checkpoints}}``. With ``widths_to_prune="auto"``
    the widths are those of the grid nearest to ``ratios`` times the IT
    (``threshold.threshold_and_peak`` on the final errors of all seeds) and ``center`` the
    one nearest the IT; otherwise the given widths, which must be dense widths, and no
    center.
    """
    found = center = None
    if widths_to_prune == "auto":
        metrics = stored(dense, [(int(w), int(s)) for w in widths for s in seeds], experiment)
        ws = sorted(int(w) for w in widths)

        def final(key):
            return [[metrics[(w, int(s))]["final"][key] for w in ws] for s in seeds]

        found = threshold.threshold_and_peak(ws, final("train_err"), final("test_err"), tol)
        if found.threshold is None:
            raise ValueError(f"no width of the dense stage reaches training error below "
                             f"tol={tol} (mean over seeds): give widths_to_prune")
        (center,) = threshold.widths_around(ws, found.threshold, (1.0,))
        chosen = tuple(sorted(set(threshold.widths_around(ws, found.threshold, ratios))
                              | {center}))
    else:
        chosen = tuple(sorted({int(w) for w in widths_to_prune}))
        unknown = sorted(set(chosen) - {int(w) for w in widths})
        if unknown:
            raise ValueError(f"widths_to_prune must be among the dense widths {tuple(widths)}, "
                             f"got {unknown}")
    keys = [(w, int(s)) for w in chosen for s in prune_seeds]
    metrics = stored(dense, keys, experiment)
    picks = {k: threshold.pick_checkpoints(metrics[k]["history"],
                                           evaluated_epochs(metrics[k], dense[k].save_epochs), tol)
             for k in keys}
    return {"threshold": found, "widths": chosen, "center": center, "checkpoints": picks}


def evaluated_epochs(metrics: dict, saved) -> list[int]:
    """The saved epochs that were also evaluated on the test set (a checkpoint must have a
    test error: it is the start of a pruning trajectory)."""
    tested = {int(h["epoch"]) for h in metrics["history"] if h.get("test_err") is not None}
    return [e for e in saved if int(e) in tested]


def stage_runs(stage: str, dense: dict, experiment: str, *, widths, seeds, widths_to_prune,
               ratios, prune_seeds, tol, **prune) -> list[RunSettings]:
    """The runs of ``stage``: the dense runs, or the prune stage's runs (:func:`plan`, then
    :func:`prune_runs` with the keyword arguments ``prune``)."""
    if stage == "dense":
        return list(dense.values())
    decided = plan(dense, widths, seeds, widths_to_prune, ratios, prune_seeds, tol, experiment)
    return prune_runs(dense, decided, **prune)


def all_params(settings, params: dict) -> dict:
    """``params`` completed by the defaults of the sweep's ``settings`` function (every
    parameter a call with ``params`` uses); ValueError naming unknown parameters."""
    defaults = {k: v.default for k, v in inspect.signature(settings).parameters.items()}
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f"unknown parameters {unknown}; known: {sorted(defaults)}")
    return {**defaults, **params}


def plan_for(settings, dense, dense_params, experiment: str, params: dict) -> dict:
    """:func:`plan` for a threshold sweep called with ``params``: ``settings`` is the
    sweep's settings function (its defaults fill in), ``dense`` its dense-runs builder,
    called with the parameters named by ``dense_params``."""
    p = all_params(settings, params)
    runs = dense(*(p[k] for k in dense_params))
    return plan(runs, p["widths"], p["seeds"], p["widths_to_prune"], p["ratios"],
                p["prune_seeds"], p["tol"], experiment)


def mode_of(s: RunSettings) -> str:
    """What a pruned run of the prune stage is: one of :data:`MODES` (IMP retrained that
    way), ``random`` (random IMP) or ``one_shot``; ValueError for a run of another kind."""
    if s.prune == "random":
        return "random"
    if s.prune == "magnitude" and s.keep > 0:
        return "one_shot"
    if s.prune == "magnitude" and s.rewind > 0:
        return "rewind_weights"
    if s.prune == "magnitude" and s.retrain_lr == "rewind":
        return "rewind_lr"
    if s.prune == "magnitude" and s.retrain_lr == "final":
        return "finetune"
    raise ValueError(f"not a run of a threshold prune stage: prune={s.prune!r}, "
                     f"retrain_lr={s.retrain_lr!r}")


def prunable(s: RunSettings) -> int:
    """Prunable weights of the run's model (``prune.prunable_count``)."""
    from ..neural import prune  # torch, only when a prune stage is listed (not for `list`)

    return prune.prunable_count(s.build_model())


def pruned_checkpoints(checkpoints, center, width) -> tuple:
    """The checkpoints pruned at ``width``: all of ``checkpoints`` at the width nearest the
    IT (``center``; every width when it is None, widths given by hand), elsewhere the final
    weights only (if ``"final"`` is among them)."""
    checkpoints = tuple(checkpoints)
    if center in (None, width) or "final" not in checkpoints:
        return checkpoints
    return ("final",)


def prune_runs(dense: dict, decided: dict, *, checkpoints, modes, rewind_epoch, prune_fraction,
               sparsity, retrain_epochs, one_shot_levels, random_control) -> list[RunSettings]:
    """The pruned runs of the prune stage, for the checkpoints ``plan`` decided.

    The width nearest the IT (``decided["center"]``) is pruned from each checkpoint of
    ``checkpoints``, the other widths from their final weights only if ``"final"`` is among
    them (every width from every checkpoint when there is no center: widths given by hand).
    Per checkpoint: IMP removing ``prune_fraction`` of the remaining weights per level
    over the fewest levels reaching ``sparsity``, retrained ``retrain_epochs`` per level in
    each mode of ``modes`` (``rewind_lr`` only where it differs from fine-tuning,
    ``rewind_weights`` only from a checkpoint after ``rewind_epoch``); random IMP
    (fine-tuned) if ``random_control``; one-shot magnitude pruning to the count of each
    level in ``one_shot_levels``.
    """
    out = []
    finetune = {"rewind": -1, "retrain_lr": "final"}
    for (w, seed), picks in decided["checkpoints"].items():
        d = dense[(w, seed)]
        total = prunable(d)
        levels = threshold.levels_for_sparsity(sparsity, prune_fraction, total)
        counts = threshold.imp_counts(total, prune_fraction, levels)
        epochs_at = picks.epochs()
        chosen = pruned_checkpoints(checkpoints, decided.get("center"), w)
        starts = dict.fromkeys(-1 if epochs_at[c] == d.epochs else epochs_at[c]
                               for c in chosen if c in epochs_at)
        for prune_at in starts:
            base = dataclasses.replace(d, prune="magnitude", prune_at=prune_at,
                                       prune_fraction=float(prune_fraction),
                                       retrain_epochs=int(retrain_epochs))
            imp = dataclasses.replace(base, prune_levels=levels)
            if "finetune" in modes:
                out.append(dataclasses.replace(imp, **finetune))
            if "rewind_weights" in modes and (prune_at == -1 or prune_at > rewind_epoch):
                out.append(dataclasses.replace(imp, rewind=int(rewind_epoch),
                                               retrain_lr="rewind"))
            if "rewind_lr" in modes and lr_rewinding_differs(
                    d.epochs, int(retrain_epochs), d.lr, d.milestones, d.gamma):
                out.append(dataclasses.replace(imp, rewind=-1, retrain_lr="rewind"))
            if random_control:
                out.append(dataclasses.replace(imp, prune="random", **finetune))
            for level in one_shot_levels:
                if 1 <= int(level) <= levels:
                    out.append(dataclasses.replace(base, keep=counts[int(level) - 1],
                                                   **finetune))
    return out
