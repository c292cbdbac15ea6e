"""The run store: settings as a dataclass, runs named by a hash, resumable, skipped when done.

A run's identity is a stable hash of the settings that differ from their defaults (as in
OpenLTH), so adding a field with a default keeps every stored run valid. Its folder
``paths.results_root()/<experiment>/<hash>/`` holds ``settings.json`` and ``metrics.json``
(small, readable, committed when the book uses them); checkpoints, weights and masks live
in ``paths.cache_root()/runs/<experiment>/<hash>/``, outside git. Every write is atomic
(temporary file, then ``os.replace``) and a ``filelock`` lock per run keeps two processes
from working on the same run.

Command line: ``python -m prunedd_utils.runs sweep two_layer [--preset tiny]`` runs a named
sweep of ``prunedd_utils.experiment.SWEEPS`` (resuming and skipping what is done) and prints
its table.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import paths


def _f(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class RunSettings:
    """Everything that defines one run: data, model, training, and pruning."""

    # data
    dataset: str = _f("fashion_mnist", "data set: fashion_mnist, cifar10 or cifar100")
    n_train: int = _f(0, "training images, a seeded random subset (0 = all)")
    n_test: int = _f(0, "test images, a seeded random subset (0 = all)")
    label_noise: float = _f(0.0, "fraction of training labels replaced by a different class")
    data_seed: int = _f(0, "seed of the subsets and of the label noise")
    # model
    model: str = _f("two_layer", "architecture, a key of models.REGISTRY")
    width: int = _f(16, "width: hidden units (two_layer) or k (resnet20)")
    seed: int = _f(0, "seed of the initialisation, batch order, augmentation, random masks")
    # training (the same for dense training and for retraining)
    optimizer: str = _f("adam", "adam or sgd (with momentum)")
    lr: float = _f(1e-3, "(initial) learning rate")
    schedule: str = _f("constant", "learning-rate schedule per epoch: constant, step (times "
                       "gamma at each milestone) or cosine (to 0 at the last epoch); "
                       "retraining runs the schedule anew over its epochs")
    milestones: tuple = _f((), "epochs at which the step schedule multiplies lr by gamma")
    gamma: float = _f(0.1, "factor of the step schedule")
    momentum: float = _f(0.9, "SGD momentum (ignored by Adam)")
    weight_decay: float = _f(0.0, "L2 penalty coefficient")
    batch_size: int = _f(128, "mini-batch size")
    epochs: int = _f(10, "epochs of dense training")
    loss: str = _f("ce", "ce (cross-entropy) or mse (squared error to one-hot labels)")
    augment: bool = _f(False, "random crop (4-pixel padding) and horizontal flip")
    eval_every: int = _f(1, "test metrics every this many epochs (and always at the end)")
    precision: str = _f("fp32", "fp32, or bf16 (autocast mixed precision; faster on AMX CPUs)")
    compile: bool = _f(False, "torch.compile (inductor) the forward pass of training and "
                       "evaluation: a one-time compilation of tens of seconds per run (needs a "
                       "C++ compiler), then ResNet-20 trains ~1.2-1.3x faster on a CPU (no gain "
                       "for the two-layer net); fp32, the same results up to float rounding")
    # pruning
    prune: str = _f("none", "none (dense run), magnitude or random (global, unstructured)")
    keep: int = _f(0, "exact number of conv/linear weights to keep (0 = use the fields below)")
    base_width: int = _f(0, "keep as many weights as the same model has at this width")
    prune_fraction: float = _f(0.2, "share of remaining weights removed per level (if no count)")
    prune_levels: int = _f(1, "pruning levels, each followed by retraining")
    rewind: int = _f(-1, "retrain from: -1 the pruned weights, 0 the init, e the epoch-e weights")
    retrain_epochs: int = _f(0, "epochs of retraining per level (0 = epochs)")

    def changed(self) -> dict:
        """The fields that differ from their defaults (what the hash is made of)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != f.default
        }

    @property
    def hash(self) -> str:
        """Stable 12-hex-digit name of the run (sha256 of the changed fields as JSON)."""
        text = json.dumps(self.changed(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def dense(self) -> RunSettings:
        """The dense run a pruned run starts from: the same settings, pruning fields reset."""
        reset = {
            f.name: f.default
            for f in dataclasses.fields(self)
            if f.name in ("prune", "keep", "base_width", "prune_fraction", "prune_levels",
                          "rewind", "retrain_epochs")
        }
        return dataclasses.replace(self, **reset)

    @property
    def is_pruned(self) -> bool:
        return self.prune != "none"

    def validate(self) -> RunSettings:
        """Raise ValueError naming the first invalid field; return self when all are valid."""
        from . import data, models, prune, train

        def integer(name, low, high=None):
            v = getattr(self, name)
            ok = isinstance(v, int) and not isinstance(v, bool) and v >= low
            if not ok or (high is not None and v > high):
                rng = f"[{low}, {high}]" if high is not None else f"[{low}, inf)"
                raise ValueError(f"{name} must be an integer in {rng}, got {v!r}")

        data.check_name(self.dataset)
        if self.model not in models.REGISTRY:
            raise ValueError(f"model must be one of {sorted(models.REGISTRY)}, got {self.model!r}")
        for name, low in (("n_train", 0), ("n_test", 0), ("data_seed", 0), ("width", 1),
                          ("seed", 0), ("batch_size", 1), ("epochs", 1), ("eval_every", 1),
                          ("keep", 0), ("base_width", 0), ("prune_levels", 1),
                          ("retrain_epochs", 0)):
            integer(name, low)
        integer("rewind", -1, self.epochs)
        if not 0.0 <= self.label_noise < 1.0:
            raise ValueError(f"label_noise must be in [0, 1), got {self.label_noise!r}")
        if self.optimizer not in train.OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {train.OPTIMIZERS}, got {self.optimizer!r}")
        if self.precision not in train.PRECISIONS:
            raise ValueError(f"precision must be one of {train.PRECISIONS}, "
                             f"got {self.precision!r}")
        if self.schedule not in train.SCHEDULES:
            raise ValueError(f"schedule must be one of {train.SCHEDULES}, got {self.schedule!r}")
        if not 0 < self.gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {self.gamma!r}")
        if not all(isinstance(m, int) and 1 <= m <= self.epochs for m in self.milestones):
            raise ValueError(f"milestones must be epochs in [1, {self.epochs}], "
                             f"got {self.milestones!r}")
        if self.loss not in train.LOSSES:
            raise ValueError(f"loss must be one of {train.LOSSES}, got {self.loss!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be in (0, inf), got {self.lr!r}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be in [0, inf), got {self.weight_decay!r}")
        if not isinstance(self.augment, bool):
            raise ValueError(f"augment must be True or False, got {self.augment!r}")
        if not isinstance(self.compile, bool):
            raise ValueError(f"compile must be True or False, got {self.compile!r}")
        if self.prune not in ("none", "magnitude", "random"):
            raise ValueError(f"prune must be one of none, magnitude, random, got {self.prune!r}")
        if not self.is_pruned:
            if self != self.dense():
                raise ValueError("a dense run (prune='none') must leave the pruning fields at "
                                 f"their defaults, got {self.changed()}")
            return self
        if self.keep and self.base_width:
            raise ValueError("give at most one of keep and base_width, got both")
        if not 0.0 < self.prune_fraction < 1.0:
            raise ValueError(f"prune_fraction must be in (0, 1), got {self.prune_fraction!r}")
        if self.prune_levels > 1 and (self.keep or self.base_width):
            raise ValueError("prune_levels > 1 needs prune_fraction, not keep or base_width")
        available = prune.prunable_count(self.build_model(meta=True))
        target = self.target_keep()
        if target is not None and not 1 <= target <= available:
            raise ValueError(f"keep must be in [1, {available}] (the model's prunable weights), "
                             f"got {target} (from keep={self.keep}, base_width={self.base_width})")
        return self

    def input_shape(self) -> tuple[int, int, int]:
        from . import data

        return data.INPUT_SHAPES[self.dataset]

    def num_classes(self) -> int:
        from . import data

        return data.DATASETS[self.dataset][1]

    def build_model(self, width: int | None = None, meta: bool = False):
        """The (freshly initialised) model; ``meta=True`` builds it without memory, to count."""
        import torch

        from . import models

        def make():
            return models.build(self.model, width or self.width, self.input_shape(),
                                self.num_classes())

        if meta:
            with torch.device("meta"):
                return make()
        return make()

    def target_keep(self) -> int | None:
        """Weights to keep at the (single) pruning level, or None when pruning by fraction."""
        from . import prune

        if self.keep:
            return self.keep
        if self.base_width:
            return prune.prunable_count(self.build_model(self.base_width, meta=True))
        return None


def field_help() -> dict[str, str]:
    """Each settings field's help text (for documentation and the command line)."""
    return {f.name: f.metadata["help"] for f in dataclasses.fields(RunSettings)}


# --------------------------------------------------------------------------- atomic files


@contextmanager
def _atomic(path: Path):
    """A temporary file beside ``path`` that replaces it only if the block succeeds.

    ``os.replace`` is atomic, so a reader (or a run killed mid-write) sees the old file or
    the new one, never a torn one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, obj) -> None:
    """Write ``obj`` as indented JSON atomically (a reader sees the old or the new file)."""
    with _atomic(path) as tmp, open(tmp, "w") as fh:
        json.dump(obj, fh, indent=1, sort_keys=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def save_torch(path: Path, obj) -> None:
    """``torch.save`` atomically (temporary file in the same folder, then ``os.replace``)."""
    import torch

    with _atomic(path) as tmp:
        torch.save(obj, tmp)


def load_torch(path: Path):
    import torch

    return torch.load(path, map_location="cpu", weights_only=False)


# --------------------------------------------------------------------------- the store


class Run:
    """Where one run's files live, and whether it is done."""

    def __init__(self, settings: RunSettings, experiment: str):
        if not experiment or not all(c.isalnum() or c in "_-" for c in experiment):
            raise ValueError(f"experiment must be a non-empty name of [A-Za-z0-9_-], "
                             f"got {experiment!r}")
        self.settings, self.experiment = settings, experiment
        self.hash = settings.hash
        self.dir = paths.results_root() / experiment / self.hash
        self.cache = paths.cache_root() / "runs" / experiment / self.hash

    @property
    def metrics_path(self) -> Path:
        return self.dir / "metrics.json"

    @property
    def checkpoint_path(self) -> Path:
        return self.cache / "checkpoint.pt"

    def lock(self):
        """An inter-process lock on this run (a file in the cache, never in git)."""
        from filelock import FileLock

        self.cache.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.cache / "run.lock"))

    def metrics(self) -> dict | None:
        """The stored metrics (None when the run has not started)."""
        if not self.metrics_path.is_file():
            return None
        return json.loads(self.metrics_path.read_text())

    def done(self) -> bool:
        m = self.metrics()
        return m is not None and m.get("status") == "done"

    def write_settings(self) -> None:
        write_json(self.dir / "settings.json", {
            "hash": self.hash,
            "experiment": self.experiment,
            "changed": self.settings.changed(),
            "settings": dataclasses.asdict(self.settings),
        })


# --------------------------------------------------------------------------- sweeps


def summary(settings: RunSettings, metrics: dict) -> dict:
    """One flat table row: the settings, the hash, and the deciding final numbers."""
    row = dict(dataclasses.asdict(settings), hash=settings.hash)
    row["params"] = metrics.get("params")
    row["seconds"] = metrics.get("seconds")
    if settings.is_pruned:
        last = metrics["levels"][-1]
        row["kept"] = last["mask"]["kept"]
        row["density"] = last["mask"]["density"]
        row.update({f"dense_{k}": v for k, v in metrics["dense"].items()})
        row.update({f"pruned_{k}": v for k, v in last["pruned"].items()})
        row.update(last["final"])
    else:
        row.update(metrics["final"])
    return row


def sweep(
    settings: list[RunSettings], experiment: str, progress: bool = True, run: bool = True
) -> list[dict]:
    """Run (or resume, or skip when done) every settings in turn; return one row per run.

    All settings are validated before anything runs. With ``run=False`` nothing is
    computed: runs that are not done are left out of the table (to plot what exists).
    """
    from tqdm import tqdm

    from .experiment import execute

    for s in settings:
        s.validate()
    rows = []
    for s in tqdm(settings, desc=experiment, disable=not progress):
        r = Run(s, experiment)
        if r.done():
            rows.append(summary(s, r.metrics()))
        elif run:
            rows.append(summary(s, execute(s, experiment, progress=progress)))
    return rows


def select(rows: list[dict], **equal) -> list[dict]:
    """The rows whose fields equal the given values (``select(rows, prune="none")``)."""
    return [r for r in rows if all(r.get(k) == v for k, v in equal.items())]


def column(rows: list[dict], key: str) -> list:
    """One field of every row, in order."""
    return [r.get(key) for r in rows]


def curve(rows: list[dict], x: str, y: str, **equal) -> tuple[list, list]:
    """``(xs, ys)`` of the selected rows, sorted by ``x`` (one line of a plot)."""
    pairs = sorted((r[x], r[y]) for r in select(rows, **equal))
    return [p[0] for p in pairs], [p[1] for p in pairs]


def format_table(rows: list[dict], keys: list[str], digits: int = 4) -> str:
    """A plain-text table of ``keys`` (floats to ``digits`` significant digits)."""

    def cell(v):
        return f"{v:.{digits}g}" if isinstance(v, float) else str(v)

    body = [[cell(r.get(k)) for k in keys] for r in rows]
    widths = [max(len(k), *(len(b[i]) for b in body)) if body else len(k)
              for i, k in enumerate(keys)]
    lines = ["  ".join(k.rjust(w) for k, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(b, widths, strict=True)) for b in body]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m prunedd_utils.runs sweep NAME [--preset PRESET] [--quiet]``."""
    from .experiment import SWEEPS

    parser = argparse.ArgumentParser(prog="python -m prunedd_utils.runs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sw = sub.add_parser("sweep", help="run, resume or skip a named sweep; print its table")
    sw.add_argument("name", choices=sorted(SWEEPS))
    sw.add_argument("--preset", default="default", help="a preset of the sweep (default, tiny)")
    sw.add_argument("--quiet", action="store_true", help="no progress bars")
    sw.add_argument("--threads", type=int, default=0,
                    help="torch CPU threads (0 = torch's default; 1 is fastest for small "
                         "models on a busy machine)")
    args = parser.parse_args(argv)
    if args.threads < 0:
        parser.error(f"--threads must be >= 0, got {args.threads}")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    presets = SWEEPS[args.name]
    if args.preset not in presets["presets"]:
        parser.error(f"--preset must be one of {sorted(presets['presets'])}, got {args.preset!r}")
    settings = presets["settings"](**presets["presets"][args.preset])
    rows = sweep(settings, presets["experiment"], progress=not args.quiet)
    print(format_table(rows, ["hash", "label_noise", "width", "prune", "base_width",
                              "train_err", "test_err", "seconds"]))


if __name__ == "__main__":
    main()
