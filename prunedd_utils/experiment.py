"""The train -> prune -> retrain pipeline over the run store, and the named sweeps.

``execute(settings, experiment)`` runs one run to completion and returns its metrics. A
dense run trains and records per-epoch metrics. A pruned run first makes sure its dense
run is done (it shares the dense run with every other pruned run of the same dense
settings), then for each level prunes (magnitude or random, to an exact count), records the
pruned model's metrics before retraining, optionally rewinds the kept weights, and retrains
with the mask held fixed. Every epoch ends with an atomic checkpoint (model, optimizer,
generator state, metrics so far), so a killed run resumes where it stopped and ends with the
metrics an uninterrupted run would have.

With ``compile=True`` the forward pass of training and evaluation goes through
``train.compile_forward(model)``; everything else (state dicts, masks, pruning, rewinding,
the optimizer) acts on the original module, whose parameters the compiled one shares, so
checkpoints keep their plain parameter names.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import time

import torch

from . import paths, prune, runtime, train
from .data import DeviceData
from .runs import Run, RunSettings, load_torch, save_torch, write_json


@functools.lru_cache(maxsize=2)
def _data(dataset, n_train, n_test, label_noise, data_seed, device, root) -> DeviceData:
    return DeviceData(dataset, n_train, n_test, label_noise, data_seed, device=device, root=root)


def load_data(s: RunSettings) -> DeviceData:
    """The run's data on the device (the last two data sets are kept in memory)."""
    return _data(s.dataset, s.n_train, s.n_test, s.label_noise, s.data_seed,
                 str(runtime.device()), str(paths.data_root()))


def _channels_last(s: RunSettings, dev: torch.device) -> bool:
    # Measured in benchmarks/bench_training.py on the CPU: NHWC is faster for ResNet-20 at
    # k = 16 (334 vs 310 images/s) but slower at k = 4 (841 vs 1075); a fully connected
    # net gains nothing from it.
    return s.model == "resnet20" and s.width >= 16


def _new_model(s: RunSettings, dev: torch.device):
    torch.manual_seed(s.seed)  # the initialisation depends on the seed only
    model = s.build_model().to(dev)
    if _channels_last(s, dev):
        model = model.to(memory_format=torch.channels_last)
    return model


def _forward(s: RunSettings, model):
    """The callable for the forward pass: the compiled model, or None (the model itself)."""
    return train.compile_forward(model) if s.compile else None


def _optimizer(s: RunSettings, model):
    return train.make_optimizer(model, s.optimizer, s.lr, s.momentum, s.weight_decay)


def _state(model) -> dict:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def _epochs(s, model, data, opt, gen, mask, start, stop, record, ckpt, run, extra, desc,
            progress, fwd=None, total=None):
    """Train epochs ``start..stop-1``, appending to ``record['history']``, checkpointing each.

    The learning-rate schedule runs over ``total`` epochs (default ``stop``).
    """
    from tqdm import tqdm

    cl = _channels_last(s, data.device)
    for epoch in tqdm(range(start, stop), desc=desc, initial=start, total=stop, leave=False,
                      disable=not progress):
        t0 = time.perf_counter()
        train.set_lr(opt, train.lr_at(s.schedule, s.lr, epoch, total or stop, s.milestones, s.gamma))
        m = train.train_epoch(model, data, opt, gen, s.batch_size, s.loss, s.augment, mask, cl,
                              s.precision, forward=fwd)
        if (epoch + 1) % s.eval_every == 0 or epoch + 1 == stop:
            m.update(_evaluate(s, model, data, with_train=False, fwd=fwd))
        m["epoch"] = epoch + 1
        m["seconds"] = time.perf_counter() - t0
        record["history"].append(m)
        save_torch(run.checkpoint_path, dict(extra, epoch=epoch + 1, model=_state(model),
                                             optimizer=opt.state_dict(), generator=gen.get_state(),
                                             record=ckpt["record"]))
        write_json(run.metrics_path, dict(ckpt["record"], status="running"))


def _evaluate(s: RunSettings, model, data, with_train: bool = True, fwd=None) -> dict:
    return train.evaluate(model, data, s.loss, train=with_train,
                          channels_last=_channels_last(s, data.device), precision=s.precision,
                          forward=fwd)


def _header(s: RunSettings, run: Run, model) -> dict:
    from . import models

    return {
        "status": "running",
        "hash": run.hash,
        "experiment": run.experiment,
        "params": models.parameter_count(model),
        "prunable": prune.prunable_count(model),
        "device": str(runtime.device()),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


def _train_dense(s: RunSettings, run: Run, progress: bool) -> dict:
    data = load_data(s)
    dev = data.device
    model = _new_model(s, dev)
    fwd = _forward(s, model)
    opt = _optimizer(s, model)
    gen = torch.Generator().manual_seed(s.seed)
    if run.checkpoint_path.is_file():
        ck = load_torch(run.checkpoint_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        gen.set_state(ck["generator"])
        record, start = ck["record"], ck["epoch"]
    else:
        save_torch(run.cache / "weights_0.pt", _state(model))
        record, start = dict(_header(s, run, model), history=[]), 0
    t0 = time.perf_counter() - sum(h["seconds"] for h in record["history"])
    ck = {"record": record}
    _epochs(s, model, data, opt, gen, None, start, s.epochs, record, ck, run, {},
            f"w={s.width} dense", progress, fwd)
    record["final"] = _evaluate(s, model, data, fwd=fwd)
    save_torch(run.cache / "weights_final.pt", _state(model))
    record["seconds"] = time.perf_counter() - t0
    record["status"] = "done"
    write_json(run.metrics_path, record)
    run.checkpoint_path.unlink(missing_ok=True)
    return record


def dense_weights(s: RunSettings, experiment: str, epoch: int | None = None) -> dict:
    """State dict of the dense run of ``s`` after ``epoch`` epochs (None = the final one).

    Final and initial weights are kept in the cache; other epochs are recomputed by
    replaying the (deterministic) dense training from the initialisation, then cached.
    """
    d = s.dense()
    run = Run(d, experiment)
    name = "weights_final.pt" if epoch is None or epoch == d.epochs else f"weights_{epoch}.pt"
    path = run.cache / name
    if path.is_file():
        return load_torch(path)
    data = load_data(d)
    model = _new_model(d, data.device)
    if epoch == 0:
        state = _state(model)
    else:
        # Replay into a scratch store so the dense run's own files are left alone.
        scratch = Run(d, experiment)
        scratch.dir = scratch.cache = run.cache / f"replay_{name[:-3]}"
        replay = dataclasses.replace(d, epochs=epoch if epoch is not None else d.epochs,
                                     eval_every=10**9)
        opt = _optimizer(replay, model)
        gen = torch.Generator().manual_seed(replay.seed)
        record = {"history": []}
        _epochs(replay, model, data, opt, gen, None, 0, replay.epochs, record,
                {"record": record}, scratch, {}, "replay", False, _forward(replay, model),
                total=d.epochs)
        state = _state(model)
        shutil.rmtree(scratch.dir, ignore_errors=True)
    save_torch(path, state)
    return state


def _prune_retrain(s: RunSettings, run: Run, experiment: str, progress: bool) -> dict:
    dense = execute(s.dense(), experiment, progress=progress)
    data = load_data(s)
    dev = data.device
    model = _new_model(s, dev)
    fwd = _forward(s, model)
    epochs = s.retrain_epochs or s.epochs
    if run.checkpoint_path.is_file():
        ck = load_torch(run.checkpoint_path)
        record, level0, start = ck["record"], ck["level"], ck["epoch"]
        model.load_state_dict(ck["model"])
        mask = {n: m.to(dev) for n, m in ck["mask"].items()} if ck["mask"] else None
    else:
        model.load_state_dict(dense_weights(s, experiment))
        record = dict(_header(s, run, model), dense=dense["final"], levels=[])
        level0, start, ck, mask = 0, None, None, None
    t0 = time.perf_counter() - sum(h["seconds"] for lv in record["levels"]
                                   for h in lv["history"])
    for level in range(level0, s.prune_levels):
        opt = _optimizer(s, model)
        gen = torch.Generator().manual_seed(s.seed + 1_000_003 * (level + 1))
        if start is None:  # a fresh level: prune, evaluate, rewind
            keep, fraction = s.target_keep(), None if s.target_keep() else s.prune_fraction
            if s.prune == "magnitude":
                mask = prune.magnitude_mask(model, keep, fraction, mask)
            else:
                mgen = torch.Generator().manual_seed(s.seed + 2_000_029 * (level + 1))
                mask = prune.random_mask(model, keep, fraction, mask, mgen)
            prune.apply_mask(model, mask)
            level_rec = {"level": level + 1, "mask": prune.report(mask),
                         "pruned": _evaluate(s, model, data, fwd=fwd),
                         "history": []}
            if s.rewind >= 0:
                model.load_state_dict(dense_weights(s, experiment, s.rewind))
                prune.apply_mask(model, mask)
            save_torch(run.cache / f"mask_{level + 1}.pt", prune.to_cpu(mask))
            record["levels"].append(level_rec)
            start = 0
        else:
            opt.load_state_dict(ck["optimizer"])
            gen.set_state(ck["generator"])
        ckd = {"record": record}
        extra = {"level": level, "mask": prune.to_cpu(mask)}
        _epochs(s, model, data, opt, gen, mask, start, epochs, record["levels"][level], ckd,
                run, extra, f"w={s.width} {s.prune} L{level + 1}", progress, fwd)
        record["levels"][level]["final"] = _evaluate(s, model, data, fwd=fwd)
        start = None
        save_torch(run.checkpoint_path, {"level": level + 1, "epoch": None,
                                         "model": _state(model), "mask": prune.to_cpu(mask),
                                         "record": record})
    record["final"] = record["levels"][-1]["final"]
    record["seconds"] = time.perf_counter() - t0
    record["status"] = "done"
    write_json(run.metrics_path, record)
    run.checkpoint_path.unlink(missing_ok=True)
    return record


def execute(s: RunSettings, experiment: str, progress: bool = True) -> dict:
    """Run ``s`` to completion (resuming a checkpoint, skipping if done); return its metrics."""
    s.validate()
    run = Run(s, experiment)
    if run.done():
        return run.metrics()
    load_data(s)  # a missing data set fails here, before any file is written
    with run.lock():
        if run.done():  # another process finished it while we waited
            return run.metrics()
        run.write_settings()
        if s.is_pruned:
            return _prune_retrain(s, run, experiment, progress)
        return _train_dense(s, run, progress)


# --------------------------------------------------------------------------- sweeps


def two_layer_settings(
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


def resnet20_settings(
    widths=(3, 4, 5, 6, 8, 10, 12, 16, 20),
    base_widths=(5, 8, 10),
    random_bases=(5, 8),
    random_widths=(8, 12, 20),
    base_seeds=(1, 2),
    n_train=4000,
    n_test=0,
    epochs=50,
    lr=1e-3,
    schedule="cosine",
    batch_size=128,
    eval_every=10,
) -> list[RunSettings]:
    """ResNet-20 of width k on CIFAR-10 (the paper's Figs. 1 and 5), seed 0.

    Dense runs at every width; every dense model wider than a base width pruned by global
    magnitude to the base model's prunable-weight count and retrained as long as the dense
    run (the no-retraining control is the pruned model before retraining, recorded by every
    pruned run); random pruning to the bases in ``random_bases`` from ``random_widths``;
    extra seeds ``base_seeds`` of the dense base models (the line to beat).
    """
    def dense(w, seed=0):
        return RunSettings(dataset="cifar10", model="resnet20", width=int(w),
                           n_train=int(n_train), n_test=int(n_test), augment=True, seed=seed,
                           epochs=int(epochs), lr=float(lr), schedule=schedule,
                           batch_size=int(batch_size), eval_every=int(eval_every))

    out = [dense(w) for w in sorted(widths, reverse=True)]
    out += [dense(b, int(seed)) for seed in base_seeds for b in base_widths]
    for b in base_widths:
        out += [dataclasses.replace(dense(w), prune="magnitude", base_width=int(b))
                for w in sorted(widths, reverse=True) if w > b]
    for b in random_bases:
        out += [dataclasses.replace(dense(w), prune="random", base_width=int(b))
                for w in sorted(random_widths, reverse=True) if w > b]
    return out


SWEEPS = {
    "two_layer": {
        "experiment": "two_layer",
        "settings": two_layer_settings,
        "presets": {
            "default": {},
            "tiny": {"widths": (4, 16), "base_widths": (4,), "n_train": 256, "epochs": 2,
                     "eval_every": 1},
        },
    },
}
SWEEPS["resnet20"] = {
    "experiment": "resnet20",
    "settings": resnet20_settings,
    "presets": {
        "default": {},
        "tiny": {"widths": (2, 3), "base_widths": (2,), "random_bases": (2,),
                 "random_widths": (3,), "base_seeds": (), "n_train": 256, "n_test": 256,
                 "epochs": 2, "eval_every": 1},
    },
}
"""Named sweeps for ``python -m prunedd_utils.runs sweep NAME --preset PRESET``."""
