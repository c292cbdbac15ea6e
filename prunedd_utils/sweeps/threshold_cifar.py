"""Pruning at the interpolation threshold on CIFAR: ResNet-20 of width k, noisy labels.

The medium (CIFAR-10) and hard (CIFAR-100) data sets of the threshold study, in the same
two stages as ``threshold_mnist1d`` (see ``threshold_stages``):

1. ``settings(stage="dense")``: ResNet-20 at every width of ``widths`` and seed of
   ``seeds``, trained with Adam at a constant rate on a training subset whose labels are
   ``label_noise`` replaced, without augmentation (so the networks can fit the noisy labels
   and the interpolation threshold is reached within the budget), evaluated every
   ``eval_every`` epochs, keeping the weights on the save grid;
2. ``settings(stage="prune")``: from the stored dense runs, the widths around the IT and
   their checkpoints, pruned by IMP (``prune_fraction`` of the remaining weights per
   level, to ``sparsity``) in the retraining ``modes``, with random IMP and one-shot
   pruning as controls.

The ``cpu`` preset is the reduced CIFAR-10 study of the book: 1,000 training images, 2,000
test images, widths k = 1..12, 3 seeds, 100 epochs; the final weights only, pruned by a
third of the remaining weights per level to 95 % sparsity (8 levels) with 15 retraining
epochs per level, fine-tuned and with weight rewinding, for the same 3 seeds. ``gpu`` is
the full CIFAR-10 scale and ``gpu_cifar100`` the hard data set (CIFAR-100 in
torchvision's format, downloaded by torchvision); the stored results include neither.

Cost (``estimate_hours``, on two one-thread workers of a 2-core machine): the ``cpu``
preset's dense stage is 24 runs, about 0.8 h; its prune stage, for an IT at k = 4 (widths
2, 4, 8; per width IMP fine-tuned, IMP with weight rewinding, random IMP, one one-shot run;
8 levels x 15 epochs) and 3 seeds, 36 runs, about 1.05 h (1.5 h for an IT at k = 6).

From the command line::

    python -m prunedd_utils sweep threshold_cifar --backend dask --workers 2
    python -m prunedd_utils sweep threshold_cifar --backend dask --workers 2 -p stage=prune
    python -m prunedd_utils sweep threshold_cifar --preset gpu_cifar100
"""

from __future__ import annotations

from .. import threshold
from ..runs.settings import RunSettings
from . import threshold_stages as stages
from .threshold_stages import MODES

EXPERIMENT = "threshold_cifar"
DESCRIPTION = ("ResNet-20 on CIFAR-10/100 with noisy labels: width sweep, then (-p stage=prune) "
               "IMP around the interpolation threshold")
DATASETS = ("cifar10", "cifar100")

_FULL_WIDTHS = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 32, 48, 64)
_GPU = {"widths": _FULL_WIDTHS, "seeds": (0, 1, 2), "n_train": 0, "n_test": 0,
        "epochs": 500, "eval_every": 5, "retrain_epochs": 100, "prune_fraction": 0.2,
        "checkpoints": stages.CHECKPOINTS, "modes": MODES, "one_shot_levels": (3, 7, 10, 14),
        "ratios": (0.5, 1.0, 2.0)}
PRESETS = {
    "tiny": {"widths": (1, 2, 4), "seeds": (0, 1), "prune_seeds": (0,), "n_train": 200,
             "n_test": 100, "epochs": 4, "eval_every": 1, "rewind_epoch": 1, "retrain_epochs": 1,
             "sparsity": 0.5, "one_shot_levels": (1,), "ratios": (1.0,), "tol": 0.9},
    "cpu": {},
    "gpu": _GPU,
    "gpu_cifar100": dict(_GPU, dataset="cifar100"),
}


# Seconds per epoch of 1,000 training images at width k on one thread of this 2-core
# machine: A + B k^2, from the ResNet-20 sweep's stored epochs (k = 10: 3.9 s, 14: 5.7 s,
# 20: 8.2 s, with two workers busy); an evaluation of n test images costs about a third of
# training on n images (a forward pass only).
_A, _B = 1.2, 0.018


def estimate_hours(runs: list[RunSettings], workers: int = 2) -> float:
    """Wall-clock hours of training ``runs`` (none stored yet) on ``workers`` one-thread
    workers of this 2-core machine, by the per-epoch cost above (about +-50 %)."""
    seconds = 0.0
    for s in runs:
        n_train = s.n_train or 50000
        n_test = s.n_test or 10000
        epochs = s.prune_levels * s.retrain_epochs_per_level() if s.is_pruned else s.epochs
        per_epoch = (_A + _B * s.width ** 2) * (n_train + n_test / 3 / s.eval_every) / 1000
        seconds += epochs * per_epoch
    return seconds / 3600.0 / workers


def _dense(dataset, widths, seeds, n_train, n_test, label_noise, epochs, lr, batch_size,
           eval_every, rewind_epoch, data_seed):
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    save = stages.save_epochs(epochs, rewind_epoch)
    return {(int(w), int(seed)): RunSettings(
        dataset=dataset, model="resnet20", width=int(w), n_train=int(n_train),
        n_test=int(n_test), label_noise=float(label_noise), data_seed=int(data_seed),
        seed=int(seed), optimizer="adam", lr=float(lr), batch_size=int(batch_size),
        epochs=int(epochs), eval_every=int(eval_every), save_epochs=save)
        for w in sorted(widths, reverse=True) for seed in seeds}


_DENSE_PARAMS = ("dataset", "widths", "seeds", "n_train", "n_test", "label_noise", "epochs",
                 "lr", "batch_size", "eval_every", "rewind_epoch", "data_seed")


def plan(**params) -> dict:
    """What the prune stage decides from the stored dense runs, for ``settings(**params)``
    (``threshold_stages.plan``: the threshold, the widths and their checkpoints)."""
    return stages.plan_for(settings, _dense, _DENSE_PARAMS, EXPERIMENT, params)


def settings(
    stage="dense",
    dataset="cifar10",
    widths=(1, 2, 3, 4, 5, 6, 8, 12),
    seeds=(0, 1, 2),
    n_train=1000,
    n_test=2000,
    label_noise=0.2,
    epochs=100,
    lr=1e-3,
    batch_size=64,
    eval_every=2,
    data_seed=0,
    widths_to_prune="auto",
    ratios=(0.5, 1.0, 2.0),
    prune_seeds=(0, 1, 2),
    checkpoints=("final",),
    modes=("finetune", "rewind_weights"),
    rewind_epoch=2,
    prune_fraction=1 / 3,
    sparsity=0.95,
    retrain_epochs=15,
    one_shot_levels=(4,),
    random_control=True,
    tol=threshold.TOL,
) -> list[RunSettings]:
    """The runs of one stage (see the module's docstring); ``n_train=0`` is all 50,000."""
    stages.check(stage, checkpoints, modes, rewind_epoch, epochs, seeds, prune_seeds, ratios,
                 widths_to_prune)
    dense = _dense(dataset, widths, seeds, n_train, n_test, label_noise, epochs, lr,
                   batch_size, eval_every, rewind_epoch, data_seed)
    return stages.stage_runs(
        stage, dense, EXPERIMENT, widths=widths, seeds=seeds, widths_to_prune=widths_to_prune,
        ratios=ratios, prune_seeds=prune_seeds, tol=tol, checkpoints=checkpoints, modes=modes,
        rewind_epoch=rewind_epoch, prune_fraction=prune_fraction, sparsity=sparsity,
        retrain_epochs=retrain_epochs, one_shot_levels=one_shot_levels,
        random_control=random_control)
