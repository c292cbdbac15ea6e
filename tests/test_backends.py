"""Sweeps on the Dask backend: the local backend's results, no work done twice, one torch
thread per worker, resumption after a killed worker, and two sweeps of one grid at once.

One module-scoped ``LocalCluster`` (two single-thread worker processes) serves every test.
Its workers are separate processes that read ``PRUNEDD_*`` from the environment they were
spawned with, so the module's temporary results, cache and (synthetic) data folders are put
in ``os.environ`` before the cluster starts, and the old values are restored afterwards.

What the workers do is observed by a worker plugin (installed again on a restarted worker):
it appends one line per training epoch (the model's parameter count, dense or pruned, and
the worker's pid) to a log, and can slow every epoch down (a sleep before it) so that a
worker can be killed in the middle of a run.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch
from store_tools import write_fake_fashion_mnist

from prunedd_utils.neural import models
from prunedd_utils.runs import Run, RunSettings, sweep

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

pytestmark = pytest.mark.slow

BASE = RunSettings(n_train=400, n_test=200, label_noise=0.1, epochs=2, lr=3e-3)
GRID = [  # the pruned run first: rows come back in this order, its dense run trains first
    dataclasses.replace(BASE, width=16, prune="magnitude", base_width=4),
    dataclasses.replace(BASE, width=4),
    dataclasses.replace(BASE, width=8),
    dataclasses.replace(BASE, width=16),
]
ENV = ("PRUNEDD_DATA_ROOT", "PRUNEDD_RESULTS", "PRUNEDD_CACHE")


class _Probe(distributed.WorkerPlugin):
    """On each worker: log every training epoch to ``folder/epochs``; sleep ``folder/sleep``
    seconds (when that file exists) before each epoch."""

    def __init__(self, folder: str):
        self.folder = folder

    def setup(self, worker):
        import os
        import time
        from pathlib import Path

        from prunedd_utils.neural import models, train

        real = getattr(train, "probe_original_train_epoch", train.train_epoch)
        folder = Path(self.folder)

        def epoch(model, data, optimizer, generator, batch_size=128, loss="ce", augment=False,
                  mask=None, *args, **kwargs):
            if (folder / "sleep").is_file():
                time.sleep(float((folder / "sleep").read_text()))
            out = real(model, data, optimizer, generator, batch_size, loss, augment, mask,
                       *args, **kwargs)
            kind = "dense" if mask is None else "pruned"
            with open(folder / "epochs", "a") as fh:  # one short append: atomic
                fh.write(f"{models.parameter_count(model)} {kind} {os.getpid()}\n")
            return out

        train.probe_original_train_epoch = real
        train.train_epoch = epoch

    def teardown(self, worker):
        from prunedd_utils.neural import train

        train.train_epoch = getattr(train, "probe_original_train_epoch", train.train_epoch)


@dataclasses.dataclass
class Cluster:
    client: object
    cluster: object
    root: Path

    @property
    def probe(self) -> Path:
        return self.root / "probe"

    def epochs(self) -> list[tuple[int, str, int]]:
        """Every epoch trained on a worker so far: (parameters, dense|pruned, pid)."""
        path = self.probe / "epochs"
        lines = path.read_text().splitlines() if path.is_file() else []
        return [(int(p), kind, int(pid)) for p, kind, pid in (line.split() for line in lines)]

    @contextmanager
    def slow(self, seconds: float):
        """Each epoch on a worker sleeps ``seconds`` first."""
        (self.probe / "sleep").write_text(str(seconds))
        try:
            yield
        finally:
            (self.probe / "sleep").unlink()

    def worker_pids(self) -> dict[str, int]:
        self.client.wait_for_workers(2, timeout=120)
        return self.client.run(os.getpid)


@pytest.fixture(scope="module")
def dask(tmp_path_factory):
    """A local cluster of two one-thread worker processes, and a client of it."""
    root = tmp_path_factory.mktemp("backends")
    write_fake_fashion_mnist(root / "data")
    (root / "probe").mkdir()
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update({"PRUNEDD_DATA_ROOT": str(root / "data"),
                       "PRUNEDD_RESULTS": str(root / "results"),
                       "PRUNEDD_CACHE": str(root / "cache")})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the local reference runs, as the workers compute
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)  # the workers cannot import this file
    cluster = client = None
    try:
        # no dashboard, and the scheduler's HTTP server on a free port (not 8787, which
        # another cluster on this machine may hold)
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None,
                                           scheduler_kwargs={"dashboard_address": ":0"})
        client = distributed.Client(cluster)
        client.register_plugin(_Probe(str(root / "probe")), name="prunedd-probe")
        yield Cluster(client, cluster, root)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        cloudpickle.unregister_pickle_by_value(module)
        torch.set_num_threads(threads)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def grid(dask):
    """GRID swept once on Dask into experiment ``grid``: (rows, epochs trained meanwhile)."""
    before = len(dask.epochs())
    rows = sweep(GRID, "grid", backend="dask", client=dask.client, progress=False)
    return rows, dask.epochs()[before:]


def _strip(obj):
    """Metrics without wall-clock times, the thread count, the device and the experiment."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items()
                if k not in ("seconds", "threads", "device", "experiment")}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _key(s: RunSettings) -> tuple[int, str]:
    """How the probe names a run's epochs: parameter count, dense or pruned."""
    return models.parameter_count(s.build_model(meta=True)), "pruned" if s.is_pruned else "dense"


def _trained_epochs(s: RunSettings) -> int:
    return s.retrain_epochs_per_level() * s.prune_levels if s.is_pruned else s.epochs


def _files(folder: Path) -> dict[Path, tuple[int, int, int]]:
    """Every file under ``folder``: (inode, modification time, size); a rewrite changes it."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def test_dask_sweep_stores_what_the_local_backend_stores(dask, grid):
    rows, epochs = grid
    assert [r["hash"] for r in rows] == [s.hash for s in GRID]
    assert all(r["status"] == "done" for r in rows)
    # each run trained once, on the workers: 2 epochs each (the pruned run: 2 of retraining)
    assert collections.Counter(e[:2] for e in epochs) == {_key(s): 2 for s in GRID}
    local = sweep(GRID, "grid_local", backend="local", threads=1, progress=False)
    for s, row, ref in zip(GRID, rows, local, strict=True):
        m, expected = Run(s, "grid").metrics(), Run(s, "grid_local").metrics()
        assert Run(s, "grid").problem() is None
        assert m["experiment"] == "grid" and m["status"] == "done"
        assert _strip(m) == _strip(expected)
        assert _strip(row) == _strip(ref)
    pruned, dense = GRID[0], GRID[3]
    assert pruned.dense() == dense
    assert Run(pruned, "grid").metrics()["dense"] == Run(dense, "grid").metrics()["final"]


def test_a_second_submission_of_the_grid_trains_nothing(dask, grid):
    rows, _ = grid
    stored = {**_files(dask.root / "results" / "grid"),
              **_files(dask.root / "cache" / "runs" / "grid")}
    assert len(stored) >= 2 * len(GRID)
    before = len(dask.epochs())
    again = sweep(GRID, "grid", backend="dask", client=dask.client, progress=False)
    assert again == rows
    assert dask.epochs()[before:] == []  # no epoch trained on any worker
    assert {**_files(dask.root / "results" / "grid"),
            **_files(dask.root / "cache" / "runs" / "grid")} == stored  # no file rewritten


def _on_each_worker(client, func, *args) -> list:
    """``func(*args)`` as a task on each worker (in its task thread, where runs compute)."""
    return [client.submit(func, *args, pure=False, workers=[address],
                          allow_other_workers=False).result(timeout=60)
            for address in client.scheduler_info()["workers"]]


def test_workers_compute_with_one_torch_thread(dask, grid):
    dask.worker_pids()  # both workers up
    assert _on_each_worker(dask.client, torch.get_num_threads) == [1, 1]
    assert [Run(s, "grid").metrics()["threads"] for s in GRID] == [1] * len(GRID)
    # A run sets torch to the worker's one thread itself, whatever the task thread had.
    try:
        _on_each_worker(dask.client, torch.set_num_threads, 2)
        assert _on_each_worker(dask.client, torch.get_num_threads) == [2, 2]
        s = dataclasses.replace(BASE, width=6, epochs=1)
        sweep([s], "threads", backend="dask", client=dask.client, progress=False)
        assert Run(s, "threads").metrics()["threads"] == 1
        assert 1 in _on_each_worker(dask.client, torch.get_num_threads)
    finally:
        _on_each_worker(dask.client, torch.set_num_threads, 1)


def test_a_worker_killed_mid_run_resumes_it_to_the_uninterrupted_metrics(dask):
    slow = dataclasses.replace(BASE, epochs=6)
    grid = [dataclasses.replace(slow, width=24), dataclasses.replace(slow, width=32),
            dataclasses.replace(slow, width=32, prune="magnitude", base_width=8,
                                retrain_epochs=2)]
    sweep(grid, "kill_ref", backend="local", threads=1, progress=False)
    reference = {s.hash: Run(s, "kill_ref").metrics() for s in grid}
    pids = dask.worker_pids()
    before = len(dask.epochs())
    with dask.slow(0.5), concurrent.futures.ThreadPoolExecutor(1) as pool:
        job = pool.submit(sweep, grid, "killed", backend="dask", client=dask.client,
                          progress=False)
        victim = None
        deadline = time.time() + 120
        while victim is None and time.time() < deadline and not job.done():
            for s in grid[:2]:
                m = Run(s, "killed").metrics()
                if m and m["status"] == "running" and len(m["history"]) >= 2:
                    # just after an epoch's files were written: its worker now sleeps
                    mine = [e for e in dask.epochs()[before:] if e[:2] == _key(s)]
                    victim, pid = s, mine[-1][2]
                    assert pid in pids.values()  # one of this cluster's workers, no other
                    os.kill(pid, signal.SIGKILL)
                    break
            time.sleep(0.01)
        assert victim is not None, "no run reached its second epoch before the sweep ended"
        cut = Run(victim, "killed").metrics()
        assert cut["status"] == "running" and 2 <= len(cut["history"]) < slow.epochs
        rows = job.result(timeout=300)
    assert [r["status"] for r in rows] == ["done"] * len(grid)
    for s in grid:
        run = Run(s, "killed")
        assert run.problem() is None and not run.checkpoint_path.exists()
        assert sorted(p.name for p in run.dir.iterdir()) == ["metrics.json", "settings.json"]
        assert _strip(run.metrics()) == _strip(reference[s.hash])  # the killed run too
    for folder in (dask.root / "results" / "killed", dask.root / "cache" / "runs" / "killed"):
        assert not list(folder.rglob("*.tmp"))  # no torn write left behind
    # Resumed from its checkpoint, not started again: 6 epochs in all (7 if the kill hit
    # the moment between an epoch's end and its checkpoint), not 6 + the 2 or more done.
    mine = [e for e in dask.epochs()[before:] if e[:2] == _key(victim)]
    assert slow.epochs <= len(mine) <= slow.epochs + 1
    assert pid in {e[2] for e in mine} and len({e[2] for e in mine}) == 2  # killed, resumer
    assert [h["epoch"] for h in Run(victim, "killed").metrics()["history"]] == list(range(1, 7))


def test_two_sweeps_of_one_grid_at_once_train_each_run_once(dask):
    slow = dataclasses.replace(BASE, epochs=4)
    grid = [dataclasses.replace(slow, width=12), dataclasses.replace(slow, width=20),
            dataclasses.replace(slow, width=20, prune="random", base_width=4)]
    dask.worker_pids()  # both workers up (one may have been restarted by the test above)
    second = distributed.Client(dask.cluster.scheduler_address, set_as_default=False)
    start = threading.Barrier(2)

    def submit(client):
        start.wait()
        return sweep(grid, "twice", backend="dask", client=client, progress=False)

    before = len(dask.epochs())
    try:
        with dask.slow(0.3), concurrent.futures.ThreadPoolExecutor(2) as pool:
            jobs = [pool.submit(submit, c) for c in (dask.client, second)]
            first, other = (j.result(timeout=300) for j in jobs)
    finally:
        second.close()
    assert first == other and [r["status"] for r in first] == ["done"] * len(grid)
    trained = collections.Counter(e[:2] for e in dask.epochs()[before:])
    assert trained == {_key(s): _trained_epochs(s) for s in grid}  # once, not twice
    for s in grid:
        history = Run(s, "twice").metrics()
        epochs = history["levels"][0]["history"] if s.is_pruned else history["history"]
        assert [h["epoch"] for h in epochs] == list(range(1, _trained_epochs(s) + 1))
