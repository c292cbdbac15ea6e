"""Pruning at the interpolation threshold: MLPs 40-h-h-10 on MNIST-1D with label noise.

Two stages, because the widths to prune and the epochs to prune from are only known after
the dense sweep:

1. ``settings(stage="dense")`` (the default, and what every preset lists): the model-wise
   double-descent curve. Dense MLPs at every width of ``widths`` and every seed of
   ``seeds``, evaluated every epoch; each keeps its weights on the grid
   ``threshold.save_grid(epochs)`` (every epoch up to 10, then about every 20 %: 40
   epochs of 500) plus ``rewind_epoch``, so any checkpoint chosen later is among them.
2. ``settings(stage="prune")`` reads the stored dense runs (it raises ValueError, naming
   what is missing, until they are all done) and lists the pruned runs:

   * widths: ``widths_to_prune``, or with ``"auto"`` the widths of the grid nearest in log
     width to ``ratios`` (0.25, 0.5, 1, 1.25, 2.5, 5: two before, at, just after and two
     well after) times the interpolation threshold (IT: the narrowest width whose final
     training error, mean over seeds, is below ``tol``; ``threshold.threshold_and_peak``);
   * for the width nearest the IT and each seed of ``prune_seeds``, the checkpoints of
     ``threshold.pick_checkpoints`` on the saved epochs: the early-stopping optimum, the
     first interpolating epoch and the final weights (``prune_at``); for the other widths
     the final weights;
   * from each checkpoint: iterative magnitude pruning (IMP) removing ``prune_fraction``
     (20 %) of the remaining weights per level, over the fewest levels that reach
     ``sparsity`` (14 levels, density 0.044, for 95 %), each level retrained for
     ``retrain_epochs`` epochs with the mask fixed, in the retraining ``modes``:
     ``finetune`` (from the pruned weights at the dense run's final rate), ``rewind_weights``
     (the kept weights reset to those of ``rewind_epoch``, rates replayed from the end of
     the dense schedule) and ``rewind_lr`` (learning-rate rewinding: the pruned weights,
     rates replayed); the controls: random IMP (``random_control``, fine-tuned) and one-shot
     magnitude pruning straight to the weight count of each level of ``one_shot_levels``.

   Each IMP run records every level (the pruned model before retraining and after), so one
   run is a whole trajectory of test error against remaining parameters
   (``threshold.trajectory``, ``threshold.retrace``).

   Under a constant learning rate (``milestones=()``, the issue's recipe) learning-rate
   rewinding *is* fine-tuning: the same start weights and the same rate. ``rewind_lr`` is
   then left out (it would be a second, identical computation under another name); a
   step schedule (e.g. ``milestones=(400,)``, a new dense sweep) makes the two differ.
   Weight rewinding is left out for a checkpoint at or before ``rewind_epoch``.

From the command line::

    python -m prunedd_utils sweep threshold_mnist1d --backend dask --workers 2
    python -m prunedd_utils sweep threshold_mnist1d --backend dask --workers 2 -p stage=prune
    python -m prunedd_utils sweep threshold_mnist1d -p stage=prune -p "widths_to_prune=(30, 61)"

Cost (``estimate_hours``: per-epoch cost ``a + b * parameters``, fitted to the stored runs
of the ``cpu`` preset, each on one thread of this 2-core machine while the other thread
trained another run): the dense stage is 57 runs, 0.38 worker-hours measured, so about
0.2 h on two workers; the prune stage, with the IT at h = 61 (widths 16, 30, 61, 75, 150,
300; three checkpoints at h = 61, the final one elsewhere) and 3 seeds, is 168 runs (per
checkpoint and seed: IMP fine-tuned, IMP with weight rewinding, random IMP, 4 one-shot
runs; 14 levels x 100 epochs), about 1.3 h on two workers. The issue's first
calibration (17 minutes for one seed of the dense stage) was about 3x slower per epoch
than the stored runs. Learning-rate rewinding (a step schedule, so a new dense stage)
would add a third IMP mode per checkpoint.
"""

from __future__ import annotations

from .. import threshold
from ..runs.settings import RunSettings
from . import threshold_stages as stages
from .threshold_stages import CHECKPOINTS, MODES

EXPERIMENT = "threshold_mnist1d"
DESCRIPTION = ("MLPs on MNIST-1D, 15% noise: width sweep, then (-p stage=prune) IMP around "
               "the interpolation threshold")
WIDTHS = (2, 4, 6, 8, 10, 12, 16, 20, 24, 30, 36, 42, 50, 61, 75, 100, 150, 200, 300)

PRESETS = {
    "tiny": {"widths": (4, 8, 16), "seeds": (0, 1), "prune_seeds": (0, 1), "n_train": 400,
             "n_test": 200, "epochs": 6, "milestones": (5,), "lr": 0.05, "rewind_epoch": 1,
             "retrain_epochs": 2, "sparsity": 0.5, "one_shot_levels": (2,), "ratios": (1.0,),
             "tol": 0.9},
    "cpu": {},
    "gpu": {"widths": (1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 36, 40, 45, 50, 55,
                       61, 68, 75, 85, 100, 125, 150, 200, 300, 400, 600, 1000),
            "seeds": (0, 1, 2, 3, 4), "prune_seeds": (0, 1, 2), "retrain_epochs": 500,
            "ratios": (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0), "sparsity": 0.99,
            "one_shot_levels": (3, 7, 10, 14, 21)},
}

# Seconds per training epoch of a run with p parameters, a + b * p, least-squares fits to
# the stored runs of the cpu preset (seconds / epochs): dense runs (500 epochs, one
# evaluation per epoch) and pruned runs (retraining epochs; masks, and an evaluation per
# epoch of retraining, cost more per epoch).
_DENSE = (0.041, 0.54e-6)
_PRUNED = (0.066, 1.15e-6)


def mlp_params(h: int) -> int:
    """Parameters of the 40-h-h-10 MLP: h^2 + 52 h + 10 (``models.mlp_parameter_count``)."""
    return h * h + 52 * h + 10


def mlp_prunable(h: int) -> int:
    """Prunable weights of the 40-h-h-10 MLP (its three weight matrices): h^2 + 50 h."""
    return h * h + 50 * h


def _dense(widths, seeds, n_train, n_test, label_noise, epochs, lr, momentum, batch_size,
           milestones, gamma, rewind_epoch, data_seed):
    save = stages.save_epochs(epochs, rewind_epoch)
    extra = {"schedule": "step", "milestones": tuple(int(m) for m in milestones),
             "gamma": float(gamma)} if milestones else {}
    return {(int(w), int(seed)): RunSettings(
        dataset="mnist1d", model="mlp", width=int(w), n_train=int(n_train), n_test=int(n_test),
        label_noise=float(label_noise), data_seed=int(data_seed), seed=int(seed),
        optimizer="sgd", lr=float(lr), momentum=float(momentum), batch_size=int(batch_size),
        epochs=int(epochs), eval_every=1, save_epochs=save, **extra)
        for w in sorted(widths, reverse=True) for seed in seeds}


def plan(**params) -> dict:
    """What the prune stage decides from the stored dense runs, for ``settings(**params)``
    (``threshold_stages.plan``: the threshold, the widths and their checkpoints)."""
    return stages.plan_for(settings, _dense, _DENSE_PARAMS, EXPERIMENT, params)


_DENSE_PARAMS = ("widths", "seeds", "n_train", "n_test", "label_noise", "epochs", "lr",
                 "momentum", "batch_size", "milestones", "gamma", "rewind_epoch", "data_seed")


def settings(
    stage="dense",
    widths=WIDTHS,
    seeds=(0, 1, 2),
    n_train=0,
    n_test=0,
    label_noise=0.15,
    epochs=500,
    lr=0.01,
    momentum=0.9,
    batch_size=100,
    milestones=(),
    gamma=0.1,
    data_seed=0,
    widths_to_prune="auto",
    ratios=(0.25, 0.5, 1.0, 1.25, 2.5, 5.0),
    prune_seeds=(0, 1, 2),
    checkpoints=CHECKPOINTS,
    modes=MODES,
    rewind_epoch=5,
    prune_fraction=0.2,
    sparsity=0.95,
    retrain_epochs=100,
    one_shot_levels=(3, 7, 10, 14),
    random_control=True,
    tol=threshold.TOL,
) -> list[RunSettings]:
    """The runs of one stage (see the module's docstring); ``n_train=0`` is all 4,000.

    The dense recipe: MNIST-1D (4,000 training, 1,000 test signals), ``label_noise`` of the
    training labels replaced, SGD with momentum at a constant rate (or a step schedule
    with ``milestones``), cross-entropy, ``epochs`` epochs, evaluated every epoch.
    """
    stages.check(stage, checkpoints, modes, rewind_epoch, epochs, seeds, prune_seeds, ratios,
                 widths_to_prune)
    dense = _dense(widths, seeds, n_train, n_test, label_noise, epochs, lr, momentum,
                   batch_size, milestones, gamma, rewind_epoch, data_seed)
    return stages.stage_runs(
        stage, dense, EXPERIMENT, widths=widths, seeds=seeds, widths_to_prune=widths_to_prune,
        ratios=ratios, prune_seeds=prune_seeds, tol=tol, checkpoints=checkpoints, modes=modes,
        rewind_epoch=rewind_epoch, prune_fraction=prune_fraction, sparsity=sparsity,
        retrain_epochs=retrain_epochs, one_shot_levels=one_shot_levels,
        random_control=random_control)


def estimate_hours(runs: list[RunSettings], workers: int = 2) -> float:
    """Wall-clock hours of training ``runs`` (none stored yet) on ``workers`` one-thread
    workers of this 2-core machine, by the fitted per-epoch cost (within 30 % for half of
    the stored runs; short one-shot runs are dominated by fixed costs it leaves out)."""
    seconds = 0.0
    for s in runs:
        epochs = s.epochs if not s.is_pruned else s.prune_levels * s.retrain_epochs_per_level()
        a, b = _PRUNED if s.is_pruned else _DENSE
        seconds += epochs * (a + b * mlp_params(s.width))
    return seconds / 3600.0 / workers
