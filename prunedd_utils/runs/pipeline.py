"""One run, start to finish: train dense, prune, retrain; resumable, over the run store.

``execute(settings, experiment)`` runs one run to completion and returns its metrics.

* A dense run trains and records per-epoch metrics; it keeps its final weights and those
  after each epoch of ``save_epochs`` in the cache.
* A pruned run prunes the weights named by ``prune_at`` (the dense run's final weights,
  those of a saved epoch, or the initialisation, with no dense training at all). For each
  level it prunes (magnitude or random, to an exact count), records the pruned model's
  metrics before retraining (the no-retraining control), optionally rewinds the kept
  weights, and retrains with the mask held fixed, at the learning rates ``retrain_lr`` picks.

Every epoch ends with an atomic checkpoint (model, optimizer, generator state, metrics so
far), so a killed run resumes where it stopped and ends with the metrics an uninterrupted
run would have. A run whose loss stops being finite is stored as ``failed`` with the reason.
"""

from __future__ import annotations

import functools
import math
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import torch

from .. import paths, runtime, threshold
from ..neural import models, prune, train
from ..neural.data import DeviceData
from .settings import RunSettings
from .store import Run, StoreError, load_torch, save_torch, write_json


class Diverged(RuntimeError):
    """Training produced a loss that is not finite."""


@functools.lru_cache(maxsize=2)
def _data(dataset, n_train, n_test, label_noise, data_seed, device, root) -> DeviceData:
    return DeviceData(dataset, n_train, n_test, label_noise, data_seed, device=device, root=root)


def load_data(s: RunSettings) -> DeviceData:
    """The run's data on the device (the last two data sets are kept in memory)."""
    return _data(s.dataset, s.n_train, s.n_test, s.label_noise, s.data_seed,
                 str(runtime.device()), str(paths.data_root()))


def _channels_last(s: RunSettings) -> bool:
    # Measured in benchmarks/bench_training.py on the CPU: NHWC is faster for ResNet-20 at
    # k = 16 (334 vs 310 images/s) but slower at k = 4 (841 vs 1075); a fully connected
    # net gains nothing from it.
    return s.model == "resnet20" and s.width >= 16


def _new_model(s: RunSettings, dev: torch.device):
    torch.manual_seed(s.seed)  # the initialisation depends on the seed only
    model = s.build_model().to(dev)
    if _channels_last(s):
        model = model.to(memory_format=torch.channels_last)
    return model


def _forward(s: RunSettings, model):
    """The callable for the forward pass: the compiled model, or None (the model itself)."""
    return train.compile_forward(model) if s.compile else None


def _optimizer(s: RunSettings, model):
    return train.make_optimizer(model, s.optimizer, s.lr, s.momentum, s.weight_decay)


def _state(model) -> dict:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def dense_lr(s: RunSettings, epoch: int) -> float:
    """Learning rate of dense epoch ``epoch`` (0-based)."""
    return train.lr_at(s.schedule, s.lr, epoch, s.epochs, s.milestones, s.gamma)


def retrain_lr(s: RunSettings, epoch: int) -> float:
    """Learning rate of retraining epoch ``epoch`` (0-based) of a pruning level.

    ``restart`` runs the schedule anew over the retraining epochs; ``final`` fine-tunes at
    the dense run's last rate; ``rewind`` replays the dense schedule's last
    ``retrain_epochs`` epochs (learning-rate rewinding, Renda et al. 2020).
    """
    total = s.retrain_epochs_per_level()
    if s.retrain_lr == "restart":
        return train.lr_at(s.schedule, s.lr, epoch, total, s.milestones, s.gamma)
    if s.retrain_lr == "final":
        return dense_lr(s, s.epochs - 1)
    return dense_lr(s, s.epochs - total + epoch)


def _epochs(s, model, data, opt, gen, mask, start, stop, record, ckpt, run, extra, desc,
            progress, fwd, lr_of, init, save_epochs=()):
    """Train epochs ``start..stop-1``, appending to ``record['history']``, checkpointing each.

    ``lr_of(epoch)`` gives each epoch's learning rate; the weights after each epoch in
    ``save_epochs`` are kept in the run's cache; ``init`` (the initial weights) gives the
    learning distance of each evaluated epoch.
    """
    from tqdm import tqdm

    cl = _channels_last(s)
    batch = s.batch_size or data.n_train  # 0: full-batch gradient descent
    for epoch in tqdm(range(start, stop), desc=desc, initial=start, total=stop, leave=False,
                      disable=not progress):
        t0 = time.perf_counter()
        train.set_lr(opt, lr_of(epoch))
        m = train.train_epoch(model, data, opt, gen, batch, s.loss, s.augment, mask, cl,
                              s.precision, forward=fwd)
        if not math.isfinite(m["train_loss"]):
            raise Diverged(f"train loss {m['train_loss']} in epoch {epoch + 1}")
        if (epoch + 1) % s.eval_every == 0 or epoch + 1 == stop:
            m.update(_evaluate(s, model, data, with_train=False, fwd=fwd))
            m.update(distances(model, init, mask))
        m["epoch"] = epoch + 1
        m["seconds"] = time.perf_counter() - t0
        record["history"].append(m)
        if epoch + 1 in save_epochs:
            save_torch(run.weights_path(epoch + 1), _state(model))
        save_torch(run.checkpoint_path, dict(extra, epoch=epoch + 1, model=_state(model),
                                             optimizer=opt.state_dict(), generator=gen.get_state(),
                                             record=ckpt["record"]))
        write_json(run.metrics_path, dict(ckpt["record"], status="running"))


def _evaluate(s: RunSettings, model, data, with_train: bool = True, fwd=None) -> dict:
    out = train.evaluate(model, data, s.loss, train=with_train, channels_last=_channels_last(s),
                         precision=s.precision, forward=fwd)
    bad = [k for k, v in out.items() if isinstance(v, float) and not math.isfinite(v)]
    if bad:
        raise Diverged(f"non-finite evaluation metrics {bad}")
    return out


def distances(model, init: dict, mask: dict | None = None) -> dict:
    """Learning distance from the initialisation (He et al. 2022), ``||theta - theta_0||``
    over the trainable entries (``threshold.learning_distance``): ``distance`` over all of
    them, pruned ones (now zero) included, and ``distance_kept`` over the entries the mask
    keeps (all of them without a mask)."""
    state = _state(model)
    out = {"distance": threshold.learning_distance(state, init)}
    if mask is None:
        out["distance_kept"] = out["distance"]
    else:
        keep = {n: m.detach().cpu().to(state[n].dtype) for n, m in mask.items()}

        def kept(d):
            return {n: v * keep[n] if n in keep else v for n, v in d.items()}

        out["distance_kept"] = threshold.learning_distance(kept(state), kept(init))
    return out


def _header(s: RunSettings, run: Run, model) -> dict:
    return {
        "status": "running",
        "hash": run.hash,
        "experiment": run.experiment,
        "params": models.parameter_count(model),
        "prunable": prune.prunable_count(model),
        "device": str(runtime.device()),
        "torch": str(torch.__version__),
        "threads": torch.get_num_threads(),
    }


def _checkpoint(run: Run) -> dict | None:
    """The run's checkpoint, or None; an unusable one is reported and discarded."""
    if not run.checkpoint_path.is_file():
        return None
    try:
        ck = load_torch(run.checkpoint_path)
    except StoreError as err:
        warnings.warn(f"{err}; starting the run again", stacklevel=2)
        run.checkpoint_path.unlink(missing_ok=True)
        return None
    started = ck["record"].get("threads")
    if started is not None and started != torch.get_num_threads():
        # The thread count changes float rounding (reductions split differently), so a run
        # continued under another count would mix two computations under one name.
        raise ValueError(f"run {run.hash} was started with {started} torch thread(s) and is "
                         f"resumed with {torch.get_num_threads()}: resume it with --threads "
                         f"{started} (or torch.set_num_threads({started})), or delete "
                         f"{run.checkpoint_path} to start it again")
    return ck


def _train_dense(s: RunSettings, run: Run, progress: bool) -> dict:
    data = load_data(s)
    model = _new_model(s, data.device)
    init = _state(model)
    fwd = _forward(s, model)
    opt = _optimizer(s, model)
    gen = torch.Generator().manual_seed(s.seed)
    ck = _checkpoint(run)
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        gen.set_state(ck["generator"])
        record, start = ck["record"], ck["epoch"]
    else:
        record, start = dict(_header(s, run, model), history=[]), 0
    t0 = time.perf_counter() - sum(h["seconds"] for h in record["history"])
    _epochs(s, model, data, opt, gen, None, start, s.epochs, record, {"record": record}, run,
            {}, f"w={s.width} dense", progress, fwd, lambda e: dense_lr(s, e), init,
            s.save_epochs)
    record["final"] = dict(_evaluate(s, model, data, fwd=fwd), **distances(model, init))
    save_torch(run.weights_path(None), _state(model))
    record["seconds"] = time.perf_counter() - t0
    record["status"] = "done"
    run.finish(record)
    run.checkpoint_path.unlink(missing_ok=True)
    return record


def dense_weights(s: RunSettings, experiment: str, epoch: int | None = None) -> dict:
    """State dict of the dense run of ``s`` after ``epoch`` epochs (None = the final weights).

    Epoch 0 is the seeded initialisation. Other weights come from the dense run's cache;
    when the cache lacks them (results from git on a fresh machine), the dense training
    is run again, under the dense run's lock, into a private folder, and the weights it
    keeps are moved into the cache.
    """
    d = s.dense()
    if epoch == 0:
        return _state(_new_model(d, torch.device("cpu")))
    run = Run(d, experiment)
    path = run.weights_path(None if epoch in (None, d.epochs) else epoch)
    if not path.is_file():
        with run.lock():
            if not path.is_file():
                _rebuild_weights(d, run)
    return load_torch(path)


def _rebuild_weights(d: RunSettings, run: Run) -> None:
    """Train the dense run ``d`` again in a scratch folder to recover its cached weights."""
    scratch = Run(d, run.experiment)
    scratch.dir = scratch.cache = Path(tempfile.mkdtemp(prefix=f"{run.hash}-rebuild-",
                                                        dir=run.cache.parent))
    try:
        again = _train_dense(d, scratch, progress=False)
        for f in scratch.cache.glob("weights_*.pt"):
            f.replace(run.cache / f.name)
    finally:
        shutil.rmtree(scratch.cache, ignore_errors=True)
    stored = run.metrics() or {}
    a = again["final"]["test_loss"]
    b = stored.get("final", {}).get("test_loss", a)
    if abs(a - b) > 1e-3 * abs(b):
        warnings.warn(f"dense run {run.hash} trained again gives test loss {a:.6g}, the stored "
                      f"metrics say {b:.6g} (another machine or thread count?)", stacklevel=3)


def _start_weights(s: RunSettings, experiment: str) -> dict:
    """The weights a pruned run prunes first (``prune_at``)."""
    if s.prune_at == 0:
        return dense_weights(s, experiment, 0)
    return dense_weights(s, experiment, None if s.prune_at == -1 else s.prune_at)


def _prune_level(s: RunSettings, model, mask, level: int):
    keep = s.target_keep()
    fraction = None if keep else s.prune_fraction
    if s.prune == "magnitude":
        return prune.magnitude_mask(model, keep, fraction, mask)
    mgen = torch.Generator().manual_seed(s.seed + 2_000_029 * (level + 1))
    return prune.random_mask(model, keep, fraction, mask, mgen)


def _prune_retrain(s: RunSettings, run: Run, experiment: str, progress: bool) -> dict:
    dense = execute(s.dense(), experiment, progress=progress) if s.needs_dense_run else None
    data = load_data(s)
    dev = data.device
    model = _new_model(s, dev)
    init = _state(model)  # the seeded initialisation of the dense run, theta_0
    fwd = _forward(s, model)
    epochs = s.retrain_epochs_per_level()
    ck = _checkpoint(run)
    if ck is not None:
        record, level0, start = ck["record"], ck["level"], ck["epoch"]
        model.load_state_dict(ck["model"])
        mask = {n: m.to(dev) for n, m in ck["mask"].items()} if ck["mask"] else None
    else:
        model.load_state_dict(_start_weights(s, experiment))
        record = dict(_header(s, run, model), dense=dense and dense["final"], levels=[])
        level0, start, mask = 0, None, None
    t0 = time.perf_counter() - sum(h["seconds"] for lv in record["levels"]
                                   for h in lv["history"])
    for level in range(level0, s.prune_levels):
        opt = _optimizer(s, model)
        gen = torch.Generator().manual_seed(s.seed + 1_000_003 * (level + 1))
        if start is None:  # a fresh level: prune, evaluate, rewind
            mask = _prune_level(s, model, mask, level)
            prune.apply_mask(model, mask)
            level_rec = {"level": level + 1, "mask": prune.report(mask),
                         "pruned": dict(_evaluate(s, model, data, fwd=fwd),
                                        **distances(model, init, mask)),
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
        extra = {"level": level, "mask": prune.to_cpu(mask)}
        _epochs(s, model, data, opt, gen, mask, start, epochs, record["levels"][level],
                {"record": record}, run, extra, f"w={s.width} {s.prune} L{level + 1}", progress,
                fwd, lambda e: retrain_lr(s, e), init)
        record["levels"][level]["final"] = dict(_evaluate(s, model, data, fwd=fwd),
                                                **distances(model, init, mask))
        start = None
        save_torch(run.checkpoint_path, {"level": level + 1, "epoch": None,
                                         "model": _state(model), "mask": prune.to_cpu(mask),
                                         "record": record})
    record["final"] = record["levels"][-1]["final"]
    record["seconds"] = time.perf_counter() - t0
    record["status"] = "done"
    run.finish(record)
    run.checkpoint_path.unlink(missing_ok=True)
    return record


def execute(s: RunSettings, experiment: str, progress: bool = True,
            retry_failed: bool = False) -> dict:
    """Run ``s`` to completion (resuming a checkpoint, skipping if done); return its metrics.

    A run that diverges is stored with ``status: failed`` and its reason, and is not tried
    again unless ``retry_failed``.
    """
    s.validate()
    run = Run(s, experiment)
    status = run.status()
    if status == "done" or (status == "failed" and not retry_failed):
        return run.metrics()
    if status == "invalid":
        warnings.warn(f"{run.problem()}: computing the run again", stacklevel=2)
    load_data(s)  # a missing data set fails here, before any file is written
    with run.lock():
        status = run.status()  # another process may have finished it while we waited
        if status == "done" or (status == "failed" and not retry_failed):
            return run.metrics()
        run.write_settings()
        try:
            if s.is_pruned:
                return _prune_retrain(s, run, experiment, progress)
            return _train_dense(s, run, progress)
        except Diverged as err:
            record = {"status": "failed", "hash": run.hash, "experiment": experiment,
                      "reason": str(err)}
            run.finish(record)
            run.checkpoint_path.unlink(missing_ok=True)
            return record
