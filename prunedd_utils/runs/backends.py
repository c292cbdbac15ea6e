"""Sweeps: many runs through one executor interface, in this process or on Dask.

``sweep(settings, experiment, backend=...)`` validates every settings first, then trains
what is not stored yet and returns one table row per run (in the order given).

* ``local``: one run after another in this process.
* ``dask``: Dask distributed. By default a ``LocalCluster`` of ``workers`` single-thread
  worker processes (on a 2-core machine, two one-thread workers do nearly twice the work
  of one two-thread process for small models); or an existing scheduler's address, so any
  cluster Dask reaches (e.g. dask-jobqueue's ``SLURMCluster``) can run a sweep. Each run is
  one task whose key is the run's hash, so no two workers of one scheduler train the same
  run; a pruned run's task depends on its dense run's task. The run store's per-run file
  lock still guards runs started from separate schedulers on one file system.

Finished runs stream back as they complete (``on_row`` is called with each row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .settings import RunSettings
from .store import Run, StoreError
from .table import summary

BACKENDS = ("local", "dask")


def run_task(s: RunSettings, experiment: str, retry_failed: bool = False, *after) -> dict:
    """One run as a task: train it (or read it when stored) and return its table row.

    ``after`` are the rows of tasks this one waits for (its dense run); on a Dask worker,
    torch uses as many threads as the worker has.
    """
    import torch

    from .pipeline import execute

    threads = _worker_threads()
    if threads:
        torch.set_num_threads(threads)
    return summary(s, execute(s, experiment, progress=False, retry_failed=retry_failed))


def _worker_threads() -> int:
    """Threads of the Dask worker running this code (0 outside a worker)."""
    try:
        from distributed import get_worker

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return 0


def _is_stored(s: RunSettings, experiment: str, retry_failed: bool) -> bool:
    status = Run(s, experiment).status()
    return status == "done" or (status == "failed" and not retry_failed)


def _local(todo, experiment, retry_failed, threads: int = 0, **_) -> Iterator[dict]:
    if threads:
        import torch

        torch.set_num_threads(threads)
    for s in todo:
        yield run_task(s, experiment, retry_failed)


def dask_client(workers: int = 2, scheduler: str | None = None):
    """A Dask client: of the scheduler at ``scheduler``, or of a new local cluster.

    The local cluster has ``workers`` worker processes of one thread each (Dask also sets
    ``OMP_NUM_THREADS=1`` in them), and no dashboard.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers; with torch's many
    # small allocations that made a sweep of small runs 1.6x slower (34 s against 21 s for
    # 16 two-layer runs), so the workers keep glibc's default. No dashboard; the
    # scheduler's HTTP server takes a free port (not 8787, which another cluster may hold).
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": ":0"})
    client = Client(cluster)
    client.wait_for_workers(workers)
    client.run(_warm_up)
    return client


def _warm_up() -> None:
    """Import the training code once per worker, as part of starting the cluster."""
    from . import pipeline  # noqa: F401 (imports torch and the models)


def task_key(s: RunSettings, experiment: str) -> str:
    """The Dask key of a run's task: its experiment and hash (equal runs share one task)."""
    return f"prunedd-{experiment}-{s.hash}"


def _dask(todo, experiment, retry_failed, workers: int = 2, scheduler: str | None = None,
          client=None, **_) -> Iterator[dict]:
    from distributed import as_completed

    own = client is None
    client = client or dask_client(workers, scheduler)
    try:
        futures = {}

        def submit(s: RunSettings):
            deps = []
            if s.is_pruned and s.needs_dense_run:
                d = s.dense()
                if d.hash not in futures and not _is_stored(d, experiment, False):
                    submit(d)
                if d.hash in futures:
                    deps = [futures[d.hash]]
            futures[s.hash] = client.submit(run_task, s, experiment, retry_failed, *deps,
                                            key=task_key(s, experiment), pure=False)

        for s in sorted(todo, key=lambda s: s.is_pruned):  # dense runs first
            if s.hash not in futures:
                submit(s)
        wanted = {s.hash for s in todo}
        for future in as_completed(list(futures.values())):
            row = future.result()
            if row["hash"] in wanted:
                yield row
    finally:
        if own:
            close_client(client)


def close_client(client) -> None:
    """Close a Dask client and the local cluster it started, if any."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()


_BACKENDS = {"local": _local, "dask": _dask}


def sweep(
    settings: list[RunSettings],
    experiment: str,
    backend: str = "local",
    run: bool = True,
    progress: bool = True,
    retry_failed: bool = False,
    on_row: Callable[[dict], None] | None = None,
    **options,
) -> list[dict]:
    """Train what is missing of ``settings`` (unless ``run=False``); one row per stored run.

    ``options`` go to the backend: ``threads`` (local: torch threads, 0 = torch's default),
    ``workers`` and ``scheduler`` (dask), or an existing Dask ``client``. Runs stored as
    failed are reported, not retried, unless ``retry_failed``. A stored run whose files
    cannot be trusted (``Run.problem``) is computed again, or, with ``run=False``, refused
    with a StoreError naming the file.
    """
    from tqdm import tqdm

    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    for s in settings:
        s.validate()
    unique = list({s.hash: s for s in settings}.values())
    rows = {}
    todo = []
    for s in unique:
        if not run and Run(s, experiment).status() == "invalid":
            raise StoreError(Run(s, experiment).problem())
        if _is_stored(s, experiment, retry_failed):
            rows[s.hash] = summary(s, Run(s, experiment).metrics())
        else:
            todo.append(s)
    if run and todo:
        bar = tqdm(total=len(todo), desc=experiment, disable=not progress)
        for row in _BACKENDS[backend](todo, experiment, retry_failed, **options):
            rows[row["hash"]] = row
            bar.update()
            if on_row is not None:
                on_row(row)
        bar.close()
    return [rows[s.hash] for s in unique if s.hash in rows]
