"""Two-layer networks on Fashion-MNIST (chapter 05; the paper's Fig. 6)."""

from __future__ import annotations

import dataclasses

from ..runs.settings import RunSettings

EXPERIMENT = "two_layer"
DESCRIPTION = "two-layer networks on Fashion-MNIST: width sweep, pruned to base widths"
PRESETS = {
    "tiny": {"widths": (4, 16), "base_widths": (4,), "n_train": 256, "epochs": 2,
             "eval_every": 1, "seeds": (0,), "random_noise": (0.0,), "controls": False},
    "cpu": {},
    "gpu": {"n_train": 60000, "epochs": 300, "seeds": (0, 1, 2, 3, 4),
            "widths": (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)},
}
INPUTS, CLASSES = 784, 10  # Fashion-MNIST's pixels and classes


def matched_width(base: int, widest: int, inputs: int = INPUTS, classes: int = CLASSES) -> int:
    """The narrowest dense width with at least as many parameters as a pruned network.

    A network of width ``widest`` pruned to the weight count of width ``base`` keeps
    ``(inputs + classes) * base`` weights and all of its ``widest + classes`` biases; a dense
    network of width w has ``(inputs + 1) * w + (w + 1) * classes`` parameters.
    """
    if not 1 <= base <= widest:
        raise ValueError(f"base must be in [1, widest={widest}], got {base}")
    trainable = (inputs + classes) * base + widest + classes
    per_unit = inputs + 1 + classes
    return -(-(trainable - classes) // per_unit)


def settings(
    widths=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
    base_widths=(8, 32),
    label_noise=(0.0, 0.2),
    random_noise=(0.0, 0.2),
    n_train=4000,
    epochs=100,
    seeds=(0, 1, 2),
    lr=1e-3,
    batch_size=128,
    eval_every=5,
    controls=True,
) -> list[RunSettings]:
    """The two-layer chapter's sweep (Fig. 6 of the paper, on Fashion-MNIST).

    For each noise level, seed and width: a dense run and, for every base width below the
    width, a magnitude-pruned run at the base model's weight count, retrained for as many
    epochs as the dense run. At the noise levels in ``random_noise`` the same is done with
    random pruning (the control of the paper's Fig. 6b). With ``controls``, two dense
    controls per base width b: the *equal-budget* base, trained ``2 * epochs`` (as many
    epochs as a pruned network's dense training plus retraining), and the
    *parameter-matched* base, of width :func:`matched_width` (as many parameters as the
    widest network pruned to b keeps trainable, its biases included).
    """
    out = []
    for noise in label_noise:
        methods = ("magnitude", "random") if noise in random_noise else ("magnitude",)
        for seed in seeds:
            def dense(width, n_epochs=epochs, noise=noise, seed=seed):
                return RunSettings(dataset="fashion_mnist", model="two_layer", width=int(width),
                                   n_train=int(n_train), label_noise=float(noise),
                                   seed=int(seed), epochs=int(n_epochs), lr=float(lr),
                                   batch_size=int(batch_size), eval_every=int(eval_every))
            for w in widths:
                d = dense(w)
                out.append(d)
                for b in base_widths:
                    if int(b) < int(w):
                        for method in methods:
                            out.append(dataclasses.replace(d, prune=method,
                                                           base_width=int(b)))
            if controls:
                for b in base_widths:
                    out.append(dense(b, 2 * int(epochs)))
                    m = matched_width(int(b), int(max(widths)))
                    if m not in widths:
                        out.append(dense(m))
    return out
