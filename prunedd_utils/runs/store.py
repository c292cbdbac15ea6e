"""The run store: one folder per run, named by its settings' hash; atomic files; safe loading.

``Run(settings, experiment)`` knows where a run's files live:
``paths.results_root()/<experiment>/<hash>/`` holds ``settings.json`` and ``metrics.json``
(small, readable, committed when the book uses them); checkpoints, weights and masks live
in ``paths.cache_root()/runs/<experiment>/<hash>/``, outside git. Every write is atomic
(temporary file, then ``os.replace``), JSON is strict (no NaN), torch files are read with
``weights_only=True``, and a ``filelock`` lock per run keeps two processes from working on
the same run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .. import paths
from .settings import RunSettings


class StoreError(ValueError):
    """A stored file that cannot be used (unreadable, inconsistent); names the file."""


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
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, obj) -> None:
    """Write ``obj`` as indented strict JSON (no NaN or inf) atomically."""
    text = json.dumps(obj, indent=1, allow_nan=False) + "\n"
    with _atomic(path) as tmp, open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def read_json(path: Path) -> dict:
    """A JSON object from ``path``; StoreError naming the file if it is not one."""
    try:
        obj = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise StoreError(f"{path}: not a readable JSON file ({err})") from err
    if not isinstance(obj, dict):
        raise StoreError(f"{path}: expected a JSON object, got {type(obj).__name__}")
    return obj


def save_torch(path: Path, obj) -> None:
    """``torch.save`` atomically (temporary file in the same folder, then ``os.replace``)."""
    import torch

    with _atomic(path) as tmp:
        torch.save(obj, tmp)


def load_torch(path: Path):
    """``torch.load`` with ``weights_only=True``: tensors and plain types only, never code.

    A file that is not such a checkpoint (truncated, or a pickle that asks to run code)
    raises StoreError naming it.
    """
    import pickle

    import torch
    from torch.torch_version import TorchVersion

    try:
        # Checkpoints written before 2026-11 keep torch.__version__ as a TorchVersion (a str
        # subclass, no code): allowed, so those runs resume.
        with torch.serialization.safe_globals([TorchVersion]):
            return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as err:
        raise StoreError(f"{path}: not a safe, complete checkpoint ({err.__class__.__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''})") from err


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

    def weights_path(self, epoch: int | None) -> Path:
        """Cached dense weights after ``epoch`` epochs (None = the final ones)."""
        return self.cache / ("weights_final.pt" if epoch is None else f"weights_{epoch}.pt")

    def lock(self):
        """An inter-process lock on this run (a file in the cache, never in git)."""
        from filelock import FileLock

        self.cache.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.cache / "run.lock"))

    def metrics(self) -> dict | None:
        """The stored metrics (None when the run has not started)."""
        if not self.metrics_path.is_file():
            return None
        return read_json(self.metrics_path)

    def status(self) -> str:
        """``missing``, ``running`` (or interrupted), ``done``, ``failed``, or ``invalid``.

        A stored run is ``invalid`` when its files cannot be trusted (see ``problem``).
        """
        if self.problem() is not None:
            return "invalid"
        m = self.metrics()
        return "missing" if m is None else str(m.get("status", "running"))

    def problem(self) -> str | None:
        """Why this run's stored files cannot be used, naming the file; None if they can.

        ``settings.json`` must rebuild to this run's hash, and a finished ``metrics.json``
        must parse and carry the final numbers every table reads.
        """
        if not self.metrics_path.is_file():
            return None
        try:
            m = self.metrics()
            if stored_settings(self.dir) != self.settings:
                return f"{self.dir}/settings.json: describes other settings than {self.hash}"
        except StoreError as err:
            return str(err)
        if m.get("hash") != self.hash:
            return f"{self.metrics_path}: belongs to run {m.get('hash')!r}, not {self.hash}"
        if m.get("status") == "done":
            final = m.get("final")
            needed = ("test_err", "test_loss", "train_err", "train_loss")
            if not isinstance(final, dict) or not all(
                    isinstance(final.get(k), (int, float)) for k in needed):
                return f"{self.metrics_path}: a finished run without final {list(needed)}"
            if self.settings.is_pruned and not (
                    isinstance(m.get("levels"), list) and m["levels"]
                    and all(k in m["levels"][-1] for k in ("mask", "pruned", "final"))):
                return f"{self.metrics_path}: a finished pruned run without its levels"
        digest = read_json(self.dir / "settings.json").get("metrics_sha256")
        if digest is not None and digest != _sha256(self.metrics_path):
            return (f"{self.metrics_path}: its contents changed after the run finished (the "
                    f"digest in settings.json does not match)")
        return None

    def done(self) -> bool:
        return self.status() == "done"

    def write_settings(self, metrics_sha256: str | None = None) -> None:
        """Write ``settings.json``; with the digest of the final ``metrics.json`` once done."""
        obj = {
            "hash": self.hash,
            "experiment": self.experiment,
            "changed": self.settings.changed(),
            "settings": dataclasses.asdict(self.settings),
        }
        if metrics_sha256:
            obj["metrics_sha256"] = metrics_sha256
        write_json(self.dir / "settings.json", obj)

    def finish(self, record: dict) -> None:
        """Store a run's final metrics, then seal them: ``settings.json`` gets their digest,
        so a later edit of ``metrics.json`` is noticed when it is read."""
        write_json(self.metrics_path, record)
        self.seal()

    def seal(self) -> None:
        """Record the digest of the stored ``metrics.json`` in ``settings.json``."""
        self.write_settings(_sha256(self.metrics_path))


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def stored_settings(folder: Path) -> RunSettings:
    """The settings of a stored run folder, checked against the folder's name (its hash)."""
    obj = read_json(Path(folder) / "settings.json")
    try:
        s = RunSettings.from_json(obj["changed"])
    except (KeyError, TypeError, ValueError) as err:
        raise StoreError(f"{folder}/settings.json: cannot rebuild the settings ({err})") from err
    if s.hash != Path(folder).name:
        raise StoreError(f"{folder}/settings.json: its settings hash to {s.hash}, not to the "
                         f"folder's name {Path(folder).name}")
    return s
