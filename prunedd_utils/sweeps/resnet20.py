"""ResNet-20 of width k on CIFAR-10 (chapter 06; the paper's Figs. 1 and 5)."""

from __future__ import annotations

import dataclasses

from ..runs.settings import RunSettings

EXPERIMENT = "resnet20"
DESCRIPTION = "ResNet-20 on CIFAR-10: width sweep, magnitude/random pruning to base widths"
PRESETS = {
    "tiny": {"widths": (2, 3), "base_widths": (2,), "prune_widths": (3,), "random_bases": (2,),
             "random_widths": (3,), "base_seeds": (), "n_train": 256, "n_test": 256,
             "epochs": 2, "retrain_epochs": 1, "eval_every": 1},
    "cpu": {},
    "gpu": {"widths": (3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64),
            "prune_widths": (6, 8, 10, 12, 16, 20, 24, 32, 48, 64), "n_train": 0, "epochs": 200,
            "retrain_epochs": 0, "random_widths": (8, 12, 16, 24, 32, 64), "base_seeds": (1, 2),
            "compile": True},
}


def settings(
    widths=(3, 4, 5, 6, 8, 10, 12, 14, 20),
    base_widths=(5, 8, 10),
    prune_widths=(6, 8, 10, 12, 14, 20),
    random_bases=(5, 8),
    random_widths=(8, 14, 20),
    base_seeds=(1, 2),
    n_train=1000,
    n_test=0,
    epochs=100,
    retrain_epochs=50,
    lr=1e-3,
    schedule="cosine",
    batch_size=64,
    eval_every=25,
    controls=True,
    compile=False,
) -> list[RunSettings]:
    """ResNet-20 of width k on CIFAR-10 (the paper's Figs. 1 and 5), seed 0.

    Dense runs at every width of ``widths``; every dense model of ``prune_widths`` wider
    than a base width pruned by global magnitude to the base model's prunable-weight count
    and retrained for ``retrain_epochs`` epochs (0: as long as the dense run) with the
    schedule restarted (the no-retraining control is the pruned model before retraining,
    which every pruned run records); random pruning to the bases in
    ``random_bases`` from ``random_widths``; extra seeds ``base_seeds`` of the dense base
    models (the line to beat). With ``controls``, the *equal-budget* base of each base width:
    trained (seed 0) for as many epochs as a pruned network's dense training and retraining
    together, so that a win of pruning is not a win of longer training. Runs are listed in
    the order a sweep should train them. ``compile``: ``torch.compile`` the forward pass (a
    one-time cost per run that pays off over long runs of wide networks: the ``gpu``
    preset; ``benchmarks/bench_compile.py`` measures it).
    """
    def dense(w, seed=0, n_epochs=epochs):
        return RunSettings(dataset="cifar10", model="resnet20", width=int(w),
                           n_train=int(n_train), n_test=int(n_test), augment=True, seed=seed,
                           epochs=int(n_epochs), lr=float(lr), schedule=schedule,
                           batch_size=int(batch_size), eval_every=int(eval_every),
                           compile=bool(compile))

    def pruned(method, bases, sources):
        return [dataclasses.replace(dense(w), prune=method, base_width=int(b),
                                    retrain_epochs=int(retrain_epochs))
                for b in bases for w in sorted(sources, reverse=True) if w > b]

    out = [dense(w) for w in sorted(widths, reverse=True)]
    out += pruned("magnitude", base_widths, prune_widths)
    out += pruned("random", random_bases, random_widths)
    out += [dense(b, int(seed)) for seed in base_seeds for b in base_widths]
    if controls:
        budget = int(epochs) + (int(retrain_epochs) or int(epochs))
        out += [dense(b, n_epochs=budget) for b in base_widths]
    return out
