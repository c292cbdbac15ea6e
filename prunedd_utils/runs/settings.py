"""What defines one run: ``RunSettings``, a frozen dataclass with help text and a group per field.

A run's identity is a stable hash of the fields that differ from their defaults (as in
OpenLTH), so adding a field whose default is today's behaviour keeps every stored run's
name. Numbers are normalised first (``lr=1`` and ``lr=1.0`` are one run). Each field
belongs to a group: ``data``, ``model``, ``train`` (shared by dense training and
retraining), ``dense`` (what the dense run keeps) and ``prune`` (the pruning and retraining
procedure); the dense run a pruned run starts from is the same settings with every
``prune`` field reset.

This module imports no torch at import time, so the command line answers quickly; the
checks that need a model (counting prunable weights) import it when they run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

GROUPS = ("data", "model", "train", "dense", "prune")
RETRAIN_LR = ("restart", "final", "rewind")


def _f(default, group: str, help: str):
    return field(default=default, metadata={"help": help, "group": group})


@dataclass(frozen=True)
class RunSettings:
    """Everything that defines one run: data, model, training, and pruning."""

    # data
    dataset: str = _f("fashion_mnist", "data", "data set: fashion_mnist, cifar10, cifar100 or "
                      "mnist1d (generated)")
    n_train: int = _f(0, "data", "training images, a seeded random subset (0 = all)")
    n_test: int = _f(0, "data", "test images, a seeded random subset (0 = all)")
    label_noise: float = _f(0.0, "data", "fraction of training labels replaced by another class")
    data_seed: int = _f(0, "data", "seed of the subsets and of the label noise")
    # model
    model: str = _f("two_layer", "model", "architecture, a key of neural.models.REGISTRY")
    width: int = _f(16, "model", "width: hidden units (two_layer; each of the two layers of "
                    "mlp) or k (resnet20)")
    seed: int = _f(0, "model", "seed of the initialisation, batch order, augmentation, masks")
    # training (the same for dense training and for retraining)
    optimizer: str = _f("adam", "train", "adam or sgd (with momentum)")
    lr: float = _f(1e-3, "train", "(initial) learning rate")
    schedule: str = _f("constant", "train", "learning-rate schedule per epoch: constant, step "
                       "(times gamma at each milestone) or cosine (to 0 at the last epoch)")
    milestones: tuple = _f((), "train", "epochs at which the step schedule multiplies lr by gamma")
    gamma: float = _f(0.1, "train", "factor of the step schedule")
    momentum: float = _f(0.9, "train", "SGD momentum (ignored by Adam)")
    weight_decay: float = _f(0.0, "train", "L2 penalty coefficient")
    batch_size: int = _f(128, "train", "mini-batch size (0 = full-batch gradient descent)")
    epochs: int = _f(10, "train", "epochs of dense training (and of retraining, by default)")
    loss: str = _f("ce", "train", "ce (cross-entropy) or mse (squared error to one-hot labels)")
    augment: bool = _f(False, "train", "random crop (4-pixel padding) and horizontal flip")
    eval_every: int = _f(1, "train", "test metrics every this many epochs (and at the end)")
    precision: str = _f("fp32", "train", "fp32, or bf16 (autocast mixed precision): faster "
                        "only on CPUs with native bf16 units (AVX512-BF16 or AMX) and on GPUs; "
                        "on an AVX2-only CPU it was measured 10x slower than fp32")
    compile: bool = _f(False, "train", "torch.compile (inductor) the forward pass: a one-time "
                       "compilation of tens of seconds per run (needs a C++ compiler), then "
                       "ResNet-20 trains ~1.2-1.5x faster on a CPU (no gain for the two-layer "
                       "net); the same results up to float rounding")
    # dense run
    save_epochs: tuple = _f((), "dense", "epochs after which the dense run keeps its weights "
                            "(to prune or rewind to them); the initialisation and the final "
                            "weights are always kept")
    # pruning and retraining
    prune: str = _f("none", "prune", "none (dense run), magnitude or random (global, "
                    "unstructured)")
    prune_at: int = _f(-1, "prune", "weights that are pruned: -1 the dense run's final "
                       "weights, 0 the initialisation (no dense training), e those after "
                       "epoch e (one of save_epochs)")
    keep: int = _f(0, "prune", "exact number of conv/linear weights to keep (0 = use the "
                   "fields below)")
    base_width: int = _f(0, "prune", "keep as many weights as the same model has at this width")
    prune_fraction: float = _f(0.2, "prune", "share of remaining weights removed per level "
                               "(if no count)")
    prune_levels: int = _f(1, "prune", "pruning levels, each followed by retraining")
    rewind: int = _f(-1, "prune", "retrain from: -1 the pruned weights, 0 the initialisation, "
                     "e the dense weights after epoch e (one of save_epochs)")
    retrain_epochs: int = _f(0, "prune", "epochs of retraining per level (0 = epochs)")
    retrain_lr: str = _f("restart", "prune", "learning rates of retraining: restart (the "
                         "schedule anew over the retraining epochs), final (fine-tuning at the "
                         "dense run's last rate) or rewind (the dense schedule's last "
                         "retrain_epochs epochs: learning-rate rewinding)")

    def __post_init__(self):
        # Canonical numbers: ints given for float fields become floats, lists become tuples,
        # so equal settings always have one hash.
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(f.default, float) and isinstance(v, int) and not isinstance(v, bool):
                object.__setattr__(self, f.name, float(v))
            elif isinstance(f.default, tuple) and isinstance(v, list):
                object.__setattr__(self, f.name, tuple(v))

    def changed(self) -> dict:
        """The fields that differ from their defaults (what the hash is made of)."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v != f.default:
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @property
    def hash(self) -> str:
        """Stable 12-hex-digit name of the run (sha256 of the changed fields as JSON)."""
        text = json.dumps(self.changed(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def dense(self) -> RunSettings:
        """The dense run a pruned run starts from: the same settings, ``prune`` fields reset."""
        return dataclasses.replace(self, **{f.name: f.default for f in fields_of("prune")})

    @property
    def is_pruned(self) -> bool:
        return self.prune != "none"

    @property
    def needs_dense_run(self) -> bool:
        """Whether a dense run must train first (not for pruning at initialisation)."""
        return self.is_pruned and (self.prune_at != 0 or self.rewind > 0)

    def retrain_epochs_per_level(self) -> int:
        return self.retrain_epochs or self.epochs

    def validate(self) -> RunSettings:
        """Raise ValueError naming the first invalid field; return self when all are valid."""
        from .validation import validate

        validate(self)
        return self

    def input_shape(self) -> tuple[int, int, int]:
        from ..neural import data

        return data.INPUT_SHAPES[self.dataset]

    def num_classes(self) -> int:
        from ..neural import data

        return data.DATASETS[self.dataset][1]

    def build_model(self, width: int | None = None, meta: bool = False):
        """The (freshly initialised) model; ``meta=True`` builds it without memory, to count."""
        import torch

        from ..neural import models

        def make():
            return models.build(self.model, width or self.width, self.input_shape(),
                                self.num_classes())

        if meta:
            with torch.device("meta"):
                return make()
        return make()

    def target_keep(self) -> int | None:
        """Weights to keep at the (single) pruning level, or None when pruning by fraction."""
        from ..neural import prune

        if self.keep:
            return self.keep
        if self.base_width:
            return prune.prunable_count(self.build_model(self.base_width, meta=True))
        return None

    @classmethod
    def from_json(cls, obj: dict) -> RunSettings:
        """Settings from a ``settings.json`` (its ``changed`` fields); unknown fields refused."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(obj) - known)
        if unknown:
            raise ValueError(f"unknown settings fields {unknown}; known: {sorted(known)}")
        return cls(**obj)


def fields_of(group: str) -> list[dataclasses.Field]:
    """The fields of one group (``data``, ``model``, ``train``, ``dense`` or ``prune``)."""
    if group not in GROUPS:
        raise ValueError(f"group must be one of {GROUPS}, got {group!r}")
    return [f for f in dataclasses.fields(RunSettings) if f.metadata["group"] == group]


def field_help() -> dict[str, str]:
    """Each settings field's help text (for documentation and the command line)."""
    return {f.name: f.metadata["help"] for f in dataclasses.fields(RunSettings)}
