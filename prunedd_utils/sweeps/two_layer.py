"""Two-layer networks on Fashion-MNIST (chapter 05; the paper's Fig. 6)."""

from __future__ import annotations

import dataclasses

from ..runs.settings import RunSettings

EXPERIMENT = "two_layer"
DESCRIPTION = "two-layer networks on Fashion-MNIST: width sweep, pruned to base widths"
PRESETS = {
    "tiny": {"widths": (4, 16), "base_widths": (4,), "n_train": 256, "epochs": 2,
             "eval_every": 1},
    "cpu": {},
    "gpu": {"n_train": 60000, "epochs": 300, "seeds": (0, 1, 2), "random_noise": (0.0, 0.2),
            "widths": (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)},
}


def settings(
    widths=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
    base_widths=(8, 32),
    label_noise=(0.0, 0.2),
    random_noise=(0.0,),
    n_train=4000,
    epochs=100,
    seeds=(0,),
    lr=1e-3,
    batch_size=128,
    eval_every=5,
) -> list[RunSettings]:
    """The two-layer chapter's sweep (Fig. 6 of the paper, on Fashion-MNIST).

    For each noise level, seed and width: a dense run and, for every base width below the
    width, a magnitude-pruned run at the base model's weight count, retrained for as many
    epochs as the dense run. At the noise levels in ``random_noise`` the same is done with
    random pruning (the control of the paper's Fig. 6b).
    """
    out = []
    for noise in label_noise:
        methods = ("magnitude", "random") if noise in random_noise else ("magnitude",)
        for seed in seeds:
            for w in widths:
                d = RunSettings(dataset="fashion_mnist", model="two_layer", width=int(w),
                                n_train=int(n_train), label_noise=float(noise), seed=int(seed),
                                epochs=int(epochs), lr=float(lr), batch_size=int(batch_size),
                                eval_every=int(eval_every))
                out.append(d)
                for b in base_widths:
                    if int(b) < int(w):
                        for method in methods:
                            out.append(dataclasses.replace(d, prune=method,
                                                           base_width=int(b)))
    return out
