"""Random pruning at initialization (chapter 08): a synthetic sweep and Fashion-MNIST runs.

Two parts, with presets ``tiny`` (tests), ``cpu`` (the stored results) and ``gpu`` each:

* **Synthetic** (:data:`SYNTHETIC_PRESETS`, :func:`synthetic_settings`, :func:`load`): Cao et
  al.'s two-layer CNN on their signal-noise patch model (:mod:`prunedd_utils.neural.patch_cnn`,
  :mod:`prunedd_utils.theory.patch_model`), pruned at initialization at fractions ``p``, for
  a sparse and a dense signal: a sweep over ``p`` at one signal strength with traces over
  training, and a phase diagram over ``(p, SNR)``. These are small, so they are computed
  here directly (not through the run store), one JSON file per :class:`Synthetic` grid,
  ``results/prune_at_init/<hash>.json``, written atomically and skipped when present::

      python -m prunedd_utils.sweeps.prune_at_init --preset cpu

* **Fashion-MNIST** (:data:`PRESETS`, :func:`settings`): the book's two-layer network
  randomly pruned at initialization (``prune="random", prune_at=0``) at the same fractions,
  against training it dense, pruning it by magnitude to the same density and retraining,
  with clean and with 20 % noisy labels. These are run-store runs (hours on a CPU)::

      python -m prunedd_utils sweep prune_at_init --backend dask --workers 2

Importing this module loads no torch (the command line lists the sweeps without it).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import paths
from ..runs.settings import RunSettings
from ..runs.store import read_json, write_json

EXPERIMENT = "prune_at_init"
DESCRIPTION = ("random pruning at initialization of the two-layer net on Fashion-MNIST vs "
               "magnitude pruning after training (synthetic part: python -m "
               "prunedd_utils.sweeps.prune_at_init)")

# --------------------------------------------------------------------------------------
# Fashion-MNIST: run-store settings
# --------------------------------------------------------------------------------------

PRESETS = {
    "tiny": {"fractions": (0.5, 0.9), "label_noise": (0.0,), "seeds": (0,), "width": 16,
             "n_train": 256, "epochs": 2, "eval_every": 1, "datasets": ("fashion_mnist",)},
    "cpu": {},
    "gpu": {"fractions": (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995), "widths": (256, 1024),
            "n_train": 60000, "epochs": 300, "seeds": (0, 1, 2, 3, 4)},
}
"""Presets of :func:`settings` (the run-store runs): ``cpu`` is 156 runs of a width-256
network on 4,000 training examples for 100 epochs: 78 on Fashion-MNIST (1.3 h of one core,
measured) and 78 on MNIST-1D (minutes: 40 inputs instead of 784). Random pruning in the run
store is global over both layers, unlike the synthetic CNN's, whose second layer is
fixed."""


TEST_EXAMPLES = {"fashion_mnist": 10_000, "mnist1d": 1_000}
"""Size of each data set's test set (all of it is used): Fashion-MNIST's 10,000 images, and
the 1,000 signals MNIST-1D's default generation (5,000, a fifth for testing) holds out; the
seed rule of :mod:`prunedd_utils.verdicts` needs it."""


def settings(
    fractions=(0.5, 0.8, 0.9, 0.95, 0.98, 0.99),
    datasets=("fashion_mnist", "mnist1d"),
    widths=(256,),
    width=None,
    label_noise=(0.0, 0.2),
    n_train=4000,
    epochs=100,
    seeds=(0, 1, 2),
    lr=1e-3,
    batch_size=128,
    eval_every=5,
) -> list[RunSettings]:
    """The run-store runs: for each data set, width, label-noise level and seed, the dense
    network (``p = 0``) and, for each pruning fraction ``p``, (a) random pruning at
    initialization (``prune="random", prune_at=0``: the mask is drawn before any training
    and the network is trained once, for ``epochs``, with it) and (b) dense training, then
    global magnitude pruning to the same density and retraining for ``epochs``. Both keep
    ``round((1 - p) N)`` of the ``N`` weights (biases stay dense). ``datasets``: Fashion-MNIST
    (28 x 28 images) and MNIST-1D (generated signals of 40 samples, 4,000 for training and
    1,000 for testing), the same two-layer network on both. ``width`` (one width) is a
    shorthand for ``widths``. Dense runs are listed first."""
    widths = (width,) if width is not None else tuple(widths)
    for p in fractions:
        if not 0 < float(p) < 1:
            raise ValueError(f"fractions must be in (0, 1), got {p!r}")
    dense, pruned = [], []
    for dataset, w in ((dataset, w) for dataset in datasets for w in widths):
        for noise in label_noise:
            for seed in seeds:
                d = RunSettings(dataset=str(dataset), model="two_layer", width=int(w),
                                n_train=int(n_train), label_noise=float(noise), seed=int(seed),
                                epochs=int(epochs), lr=float(lr), batch_size=int(batch_size),
                                eval_every=int(eval_every))
                dense.append(d)
                for p in fractions:
                    pruned.append(dataclasses.replace(d, prune="random", prune_at=0,
                                                      prune_fraction=float(p)))
                    pruned.append(dataclasses.replace(d, prune="magnitude",
                                                      prune_fraction=float(p)))
    return dense + pruned


# --------------------------------------------------------------------------------------
# Synthetic: Cao et al.'s patch model, computed here
# --------------------------------------------------------------------------------------

CODE_VERSION = 1
"""Part of every synthetic hash: raise it when a change of the code changes the numbers."""

FINAL_KEYS = ("train_loss", "train_err", "test_loss", "test_err", "signal", "noise",
              "signal_margin", "noise_margin")
"""Final metrics stored per configuration and seed (those of ``neural.patch_cnn.TRACE_KEYS``)."""


@dataclass(frozen=True)
class Synthetic:
    """One grid of the synthetic sweep, stored as one JSON file.

    Configurations are every ``(p, snr)`` of ``ps x snrs`` (p-major); each is trained for
    seeds ``0 .. seeds-1``. Seed ``s`` fixes the training data, the uniform numbers the
    masks are cut from (so masks are nested in ``p``) and the initial weights, for every
    configuration (common random numbers). ``snr`` is Cao et al.'s ``||mu|| / (sigma_p
    sqrt(d))``. ``lr`` and ``init_scale`` are in the units of
    ``neural.patch_cnn.step_size`` and ``init_std`` (rescaled with the density).
    """

    kind: str = "sparse"
    ps: tuple = (0.0,)
    snrs: tuple = (0.3,)
    seeds: int = 10
    n: int = 20
    d: int = 4000
    m: int = 10
    q: float = 3.0
    sigma_p: float = 1.0
    support: int = 1
    lr: float = 0.25
    init_scale: float = 0.1
    steps: int = 1000
    n_test: int = 2000
    trace_points: int = 0
    code_version: int = CODE_VERSION

    def __post_init__(self):
        object.__setattr__(self, "ps", tuple(float(p) for p in self.ps))
        object.__setattr__(self, "snrs", tuple(float(s) for s in self.snrs))
        for name in ("q", "sigma_p", "lr", "init_scale"):
            object.__setattr__(self, name, float(getattr(self, name)))

    def validate(self) -> Synthetic:
        """Raise ValueError naming the first invalid field; return self."""
        from ..theory import patch_model

        patch_model.signal_vector(self.d, 1.0, self.kind, self.support)
        if not self.ps or not all(0 <= p < 1 for p in self.ps):
            raise ValueError(f"ps must be fractions in [0, 1), got {self.ps}")
        if not self.snrs or not all(s > 0 and math.isfinite(s) for s in self.snrs):
            raise ValueError(f"snrs must be positive, got {self.snrs}")
        for name, low in (("seeds", 1), ("n", 1), ("m", 1), ("steps", 1), ("n_test", 1),
                          ("trace_points", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
        if self.q <= 2:
            raise ValueError(f"q must be > 2, got {self.q}")
        for name in ("sigma_p", "lr", "init_scale"):
            if not (getattr(self, name) > 0 and math.isfinite(getattr(self, name))):
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        return self

    @property
    def configs(self) -> list[tuple[float, float]]:
        return [(p, s) for p in self.ps for s in self.snrs]

    @property
    def hash(self) -> str:
        """12 hex digits of the sha256 of the settings as canonical JSON."""
        text = json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def path(self) -> Path:
        return paths.results_root() / EXPERIMENT / f"{self.hash}.json"

    def work(self) -> float:
        """Multiply-adds of the training (two products of (2m, d) by (d, n + 1) per step)."""
        return 2.0 * len(self.configs) * self.seeds * self.steps * 2 * self.m * self.d * (
            self.n + 1)


SECONDS_PER_MAC = 1.5e-10
"""Measured CPU time per multiply-add of the training, on one core of the book's machine
(about 1.1e-10, on a loaded machine), rounded up: what :func:`estimated_seconds` uses."""

SYNTHETIC_PRESETS = {
    "tiny": {"ps": (0.0, 0.5, 0.9), "snr": 0.5, "phase_ps": (0.0, 0.9),
             "phase_snrs": (0.2, 1.0), "seeds": 2, "phase_seeds": 2, "n": 10, "d": 200,
             "m": 4, "steps": 60, "n_test": 200, "trace_points": 5},
    "cpu": {},
    "gpu": {"ps": (0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99),
            "phase_ps": (0.0, 0.3, 0.5, 0.65, 0.75, 0.82, 0.875, 0.91, 0.9375, 0.955, 0.97,
                         0.98, 0.99),
            "phase_snrs": tuple(float(x) for x in np.round(np.geomspace(0.04, 1.0, 19), 4)),
            "seeds": 100, "phase_seeds": 40, "n": 40, "d": 16000, "m": 20, "steps": 2000},
}
"""Presets of :func:`synthetic_settings`. ``cpu`` is the stored sweep that chapter 08 reads
(its parameters cell repeats it)."""

CPU_PHASE_SNRS = (0.07, 0.1, 0.14, 0.2, 0.28, 0.4, 0.57, 0.8)


def synthetic_settings(
    ps=(0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99),
    snr=0.3,
    phase_ps=(0.0, 0.25, 0.5, 0.625, 0.75, 0.82, 0.875, 0.9375, 0.97, 0.99),
    phase_snrs=CPU_PHASE_SNRS,
    kinds=("sparse", "dense"),
    small_init=0.01,
    seeds=20,
    phase_seeds=10,
    n=20,
    d=4000,
    m=10,
    q=3.0,
    sigma_p=1.0,
    support=1,
    lr=0.25,
    init_scale=0.1,
    steps=1000,
    n_test=2000,
    trace_points=16,
) -> dict[str, Synthetic]:
    """The synthetic grids by name: ``sweep_<kind>`` (every ``p`` of ``ps`` at one ``snr``,
    ``seeds`` seeds, traces at ``trace_points`` steps) and ``phase_<kind>`` (``phase_ps``
    times ``phase_snrs``, ``phase_seeds`` seeds, final values only), for each kind of
    signal in ``kinds``; and ``sweep_dense_small_init``, the dense sweep again with
    ``init_scale=small_init`` (left out when ``small_init`` is 0 or ``"dense"`` is not
    among the kinds)."""
    common = dict(n=int(n), d=int(d), m=int(m), q=q, sigma_p=sigma_p, support=int(support),
                  lr=lr, init_scale=init_scale, steps=int(steps), n_test=int(n_test))
    out = {}
    for kind in kinds:
        out[f"sweep_{kind}"] = Synthetic(kind=kind, ps=tuple(ps), snrs=(snr,), seeds=int(seeds),
                                         trace_points=int(trace_points), **common).validate()
        out[f"phase_{kind}"] = Synthetic(kind=kind, ps=tuple(phase_ps), snrs=tuple(phase_snrs),
                                         seeds=int(phase_seeds), trace_points=0,
                                         **common).validate()
    if small_init and "dense" in kinds:
        out["sweep_dense_small_init"] = dataclasses.replace(out["sweep_dense"],
                                                            init_scale=small_init).validate()
    return out


def estimated_seconds(s: Synthetic) -> float:
    """A generous estimate of the CPU time :func:`compute` needs for ``s`` (one core)."""
    return s.work() * SECONDS_PER_MAC + 0.5


def _round(x, digits: int = 4):
    """Numbers rounded to ``digits`` significant digits as nested lists (non-finite: None)."""
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        return float(f"{arr:.{digits}g}") if np.isfinite(arr) else None
    return [_round(v, digits) for v in arr]


def draws(s: Synthetic, seed: int) -> dict:
    """Seed ``seed``'s random numbers, each from its own stream of ``default_rng([seed, k])``:
    training data (k=0), mask uniforms (1), initial weights (2), test draws (3)."""
    from ..theory import patch_model

    direction = patch_model.signal_vector(s.d, 1.0, s.kind, s.support)
    data = patch_model.sample(s.n, direction, s.sigma_p, np.random.default_rng([seed, 0]))
    return {
        "y": data.y, "xi": data.xi, "direction": direction,
        "uniform": np.random.default_rng([seed, 1]).random((2, s.m, s.d)),
        "normal": np.random.default_rng([seed, 2]).standard_normal((2, s.m, s.d)),
        "z_test": np.random.default_rng([seed, 3]).standard_normal((s.n_test, 2 * s.m)),
    }


def compute(s: Synthetic, device=None, threads: int = 0) -> dict:
    """Train every configuration and seed of ``s``; return the record that is stored.

    The record holds the settings, per configuration ``p`` and ``snr``, the final
    metrics per seed (:data:`FINAL_KEYS`), for a sparse signal the number of filters per
    seed whose mask keeps all of ``mu``'s support (``support_filters``) and of those whose
    initial weights also correlate with ``mu`` with their class's sign (``signal_filters``:
    in gradient flow, the only ones that can learn the signal) and of the others that end
    with their class's sign all the same (``flipped_filters``: a large step overshot 0), traces
    over training (mean, standard deviation and median over seeds) when ``trace_points``
    is set, and the CPU and wall time.
    """
    import torch

    from ..neural import patch_cnn

    s.validate()
    if threads:
        torch.set_num_threads(threads)
    dev = torch.device(device) if device is not None else torch.device("cpu")
    t_cpu, t_wall = time.process_time(), time.perf_counter()
    seeds = [draws(s, k) for k in range(s.seeds)]
    f32 = dict(dtype=torch.float32, device=dev)

    def stack(key):
        return torch.as_tensor(np.stack([r[key] for r in seeds]), **f32)

    p = np.array([c[0] for c in s.configs])
    snr = np.array([c[1] for c in s.configs])
    y, xi, uniform, normal, z_test = (stack(k) for k in ("y", "xi", "uniform", "normal",
                                                         "z_test"))
    direction = seeds[0]["direction"]
    mu = torch.as_tensor(snr[:, None] * direction[None, :] * s.sigma_p * np.sqrt(s.d), **f32)
    mask = patch_cnn.masks(uniform, p)
    std = torch.as_tensor(patch_cnn.init_std(s.init_scale, s.d, s.sigma_p, p), **f32)
    W0 = normal[:, None] * std.view(1, -1, 1, 1, 1)
    eta = patch_cnn.step_size(s.lr, s.n, s.m, s.d, s.sigma_p, p)
    out = patch_cnn.train(W0, mask, mu, y, xi, eta, q=s.q, steps=s.steps, sigma_p=s.sigma_p,
                          z_test=z_test, trace_points=s.trace_points)
    record = {
        "hash": s.hash,
        "settings": dataclasses.asdict(s),
        "p": [float(v) for v in p],
        "snr": [float(v) for v in snr],
        "final": {k: _round(out[k][-1].T) for k in FINAL_KEYS},  # (C, S)
        "diverged": int(out["diverged"].sum()),
    }
    if s.kind == "sparse":
        support = torch.as_tensor(direction != 0, device=dev)
        keeps = (mask | ~support).all(dim=-1)  # (S, C, 2, m): keeps the whole support
        j = torch.tensor(patch_cnn.SIGNS, device=dev).view(1, 1, 2, 1)
        right = (j * (W0 * mask * mu[None, :, None, None, :]).sum(-1)) > 0
        record["support_filters"] = keeps.sum(dim=(2, 3)).T.cpu().tolist()
        record["signal_filters"] = (keeps & right).sum(dim=(2, 3)).T.cpu().tolist()
        final = (j * (out["W"].to(dev) * mu[None, :, None, None, :]).sum(-1)) > 0
        record["flipped_filters"] = (keeps & ~right & final).sum(dim=(2, 3)).T.cpu().tolist()
    if s.trace_points:
        traces = {"steps": [int(t) for t in out["steps"]]}
        for k in FINAL_KEYS:
            v = np.moveaxis(out[k], 2, 0)  # (C, T, S)
            traces[k] = {"mean": _round(v.mean(-1)), "sd": _round(v.std(-1, ddof=1)),
                         "median": _round(np.median(v, -1))}
        record["traces"] = traces
    import platform

    record.update(cpu_seconds=round(time.process_time() - t_cpu, 1),
                  wall_seconds=round(time.perf_counter() - t_wall, 1),
                  threads=torch.get_num_threads(), device=str(dev), torch=torch.__version__,
                  numpy=np.__version__, machine=platform.machine())
    return record


class MissingResult(FileNotFoundError):
    """A stored synthetic result is missing and would take too long to compute here."""


COMMAND = "python -m prunedd_utils.sweeps.prune_at_init --preset cpu"


def load(s: Synthetic, compute_below: float = 20.0, **kwargs) -> dict:
    """The stored record of ``s``; computed (and stored) when missing if that takes less
    than ``compute_below`` seconds (:func:`estimated_seconds`), else MissingResult naming
    the command that computes it. A stored file of other settings is refused."""
    s.validate()
    if s.path.is_file():
        record = read_json(s.path)
        if record.get("hash") != s.hash or record.get("settings") != json.loads(
                json.dumps(dataclasses.asdict(s))):
            raise ValueError(f"{s.path}: holds other settings than {s.hash}")
        return record
    need = estimated_seconds(s)
    if need > compute_below:
        raise MissingResult(
            f"{s.path} is missing; computing it takes about {need / 60:.0f} min of one CPU "
            f"core: run `{COMMAND}` (with the same parameters) first")
    return run(s, **kwargs)


def run(s: Synthetic, **kwargs) -> dict:
    """The record of ``s``: read when stored, else computed and written atomically."""
    if s.path.is_file():
        return load(s)
    record = compute(s, **kwargs)
    write_json(s.path, record)
    return record


def main(argv: list[str] | None = None) -> int:
    """``python -m prunedd_utils.sweeps.prune_at_init``: compute the missing synthetic grids."""
    parser = argparse.ArgumentParser(
        prog="python -m prunedd_utils.sweeps.prune_at_init",
        description="Compute (or read) the synthetic grids of chapter 08: Cao et al.'s CNN "
                    "on the patch model, randomly pruned at initialization.")
    parser.add_argument("--preset", default="cpu", choices=tuple(SYNTHETIC_PRESETS))
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--dry-run", action="store_true",
                        help="list the grids, their files and estimated times only")
    args = parser.parse_args(argv)
    grids = synthetic_settings(**SYNTHETIC_PRESETS[args.preset])
    print(f"synthetic grids of preset {args.preset!r} in {paths.results_root() / EXPERIMENT}")
    for name, s in grids.items():
        status = "stored" if s.path.is_file() else f"~{estimated_seconds(s):.0f} s to compute"
        print(f"  {name:14s} {s.hash}.json  {len(s.configs)} configurations x {s.seeds} "
              f"seeds, {s.steps} steps: {status}", flush=True)
        if args.dry_run or s.path.is_file():
            continue
        record = run(s, device=args.device, threads=args.threads)
        print(f"  {'':14s} done in {record['cpu_seconds']:.0f} s CPU, "
              f"{record['wall_seconds']:.0f} s wall", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
