"""Helpers for the run-store tests: a small synthetic Fashion-MNIST-shaped data set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from prunedd_utils.neural.synthetic import write_fake_cifar10, write_fake_fashion_mnist

__all__ = ["run_notebook", "temporary_store", "write_fake_cifar10", "write_fake_fashion_mnist"]


@contextmanager
def temporary_store(tmp_path: Path, monkeypatch, n_train: int = 600,
                    n_test: int = 200) -> Iterator[Path]:
    """Results, cache and (synthetic) data in a temporary folder; one torch thread."""
    root = write_fake_fashion_mnist(tmp_path / "data", n_train=n_train, n_test=n_test)
    monkeypatch.setenv("PRUNEDD_DATA_ROOT", str(root))
    monkeypatch.setenv("PRUNEDD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PRUNEDD_CACHE", str(tmp_path / "cache"))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield tmp_path
    finally:
        torch.set_num_threads(before)


def run_notebook(notebook: Path, tmp_path: Path, monkeypatch, write_data, params: dict) -> str:
    """Execute ``notebook`` with papermill ``params`` into a scratch store; its text outputs.

    ``write_data(folder)`` writes the synthetic data set the notebook needs; tuples in
    ``params`` become lists (papermill's YAML has no tuples).
    """
    import json

    import papermill

    monkeypatch.setenv("PRUNEDD_DATA_ROOT", str(write_data(tmp_path / "data")))
    monkeypatch.setenv("PRUNEDD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PRUNEDD_CACHE", str(tmp_path / "cache"))
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(notebook), str(out), parameters=params, progress_bar=False,
                               kernel_name="python3", cwd=str(notebook.parent))
    return "".join("".join(o.get("text", "")) for c in json.loads(out.read_text())["cells"]
                   if c["cell_type"] == "code" for o in c.get("outputs", []))
