"""Sweep throughput: one process with two torch threads against Dask with two one-thread workers.

A sweep of tiny two-layer runs (16 by default; synthetic Fashion-MNIST-shaped data written to
a temporary folder, sized so that one run takes a second or two) is timed twice, each time
into its own temporary results and cache folders:

* baseline: ``sweep(..., backend="local", threads=2)``, one run after another in this
  process, torch using both cores;
* ``sweep(..., backend="dask")`` on a new ``LocalCluster`` of 2 worker processes of one
  thread each (``runs.backends.dask_client(2)``), the cluster's start-up included in its
  time (and also printed on its own, with the time of the sweep without it).

The script prints both wall times and the speed-up (target: 1.6x or more on 2 cores; small
models use two threads poorly, two processes well). Dask workers read ``PRUNEDD_*`` from the
environment they are spawned with, so the folders are set before the cluster starts.
Run: ``python benchmarks/bench_sweep.py`` (``--runs``, ``--epochs``: another size).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import torch

from prunedd_utils.neural.synthetic import write_fake_fashion_mnist
from prunedd_utils.runs import Run, RunSettings, backends, sweep

N_TRAIN, N_TEST = 4_000, 1_000


def grid(runs: int, epochs: int) -> list[RunSettings]:
    """``runs`` dense two-layer runs: four widths, then more seeds."""
    widths = (32, 64, 128, 256)
    return [RunSettings(n_train=N_TRAIN, n_test=N_TEST, width=widths[i % len(widths)],
                        seed=i // len(widths), epochs=epochs, lr=3e-3) for i in range(runs)]


def use_folders(root: Path, name: str) -> None:
    """Point this process (and workers spawned from now on) at ``root/name``'s folders."""
    os.environ["PRUNEDD_RESULTS"] = str(root / name / "results")
    os.environ["PRUNEDD_CACHE"] = str(root / name / "cache")


def check(settings: list[RunSettings], rows: list[dict], experiment: str) -> None:
    if len(rows) != len(settings) or any(r["status"] != "done" for r in rows):
        raise RuntimeError(f"{experiment}: {len(rows)} rows for {len(settings)} runs")
    if any(not Run(s, experiment).done() for s in settings):
        raise RuntimeError(f"{experiment}: a run is not stored as done")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16, help="runs in the sweep (16)")
    parser.add_argument("--epochs", type=int, default=50, help="epochs of each run (50)")
    args = parser.parse_args()
    settings = grid(args.runs, args.epochs)
    saved = {k: os.environ.get(k) for k in ("PRUNEDD_DATA_ROOT", "PRUNEDD_RESULTS",
                                            "PRUNEDD_CACHE")}
    threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix="bench_sweep-") as tmp:
        root = Path(tmp)
        data_root = write_fake_fashion_mnist(root / "data", N_TRAIN, N_TEST)
        os.environ["PRUNEDD_DATA_ROOT"] = str(data_root)
        print(f"torch {torch.__version__}, {os.cpu_count()} cores, {len(settings)} two-layer "
              f"runs (widths 32-256, {N_TRAIN:,} images, {args.epochs} epochs, batch 128)")
        try:
            use_folders(root, "local")
            start = time.perf_counter()
            rows = sweep(settings, "bench", backend="local", threads=2, progress=False)
            local = time.perf_counter() - start
            check(settings, rows, "bench")

            use_folders(root, "dask")  # before the cluster: the workers inherit it
            start = time.perf_counter()
            with warnings.catch_warnings():  # another cluster on this machine may hold 8787
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                client = backends.dask_client(workers=2)
            client.wait_for_workers(2)
            startup = time.perf_counter() - start
            try:
                rows = sweep(settings, "bench", backend="dask", client=client, progress=False)
                dask = time.perf_counter() - start
            finally:
                backends.close_client(client)
            check(settings, rows, "bench")
        finally:
            torch.set_num_threads(threads)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    n = len(settings)
    print(f"  local, 1 process x 2 torch threads:  {local:7.1f} s  ({local / n:.2f} s per run)")
    print(f"  dask, 2 workers x 1 thread:          {dask:7.1f} s  speed-up {local / dask:5.2f}x"
          f"  (cluster start-up included)")
    print(f"    of which cluster start-up:         {startup:7.1f} s")
    print(f"    sweep without the start-up:        {dask - startup:7.1f} s  speed-up "
          f"{local / (dask - startup):5.2f}x")
    print(f"  1.6x or more with start-up: {local / dask >= 1.6}")


if __name__ == "__main__":
    main()
