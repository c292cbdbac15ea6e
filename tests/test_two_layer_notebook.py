"""The two-layer chapter: its parameters are the sweep's cpu preset, and it runs end to end
with the tiny preset into a scratch store."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from store_tools import run_notebook, write_fake_fashion_mnist

from prunedd_utils.sweeps import two_layer

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_two_layer.ipynb"
NOTEBOOK_ONLY = {"experiment", "threads"}


def _parameters() -> dict:
    """The values set by the notebook's parameters cell."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    (cell,) = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    values: dict = {}
    exec("".join(cell["source"]), {}, values)
    return values


def test_parameters_cell_is_the_cpu_preset():
    params = _parameters()
    assert params["experiment"] == two_layer.EXPERIMENT
    defaults = {k: p.default for k, p in inspect.signature(two_layer.settings).parameters.items()}
    cpu = {**defaults, **two_layer.PRESETS["cpu"]}
    assert set(params) - NOTEBOOK_ONLY == set(cpu)
    for k, v in cpu.items():
        assert params[k] == (list(v) if isinstance(v, tuple) else v), k
    assert two_layer.settings(**{k: params[k] for k in cpu}) == two_layer.settings(**cpu)


@pytest.mark.slow
def test_notebook_runs_with_the_tiny_preset(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    text = run_notebook(NOTEBOOK, tmp_path, monkeypatch, write_fake_fashion_mnist,
                        two_layer.PRESETS["tiny"])
    stored = list((tmp_path / "results" / two_layer.EXPERIMENT).iterdir())
    # widths 4 and 16 at two noise levels; 16 pruned to b = 4 by magnitude (both noise
    # levels) and at random (clean labels only)
    assert len(stored) == len(two_layer.settings(**two_layer.PRESETS["tiny"])) == 2 * 2 + 2 + 1
    assert all(json.loads((d / "metrics.json").read_text())["status"] == "done" for d in stored)
    for phrase in ("training wide and pruning beats training small", "interpolation from",
                   "best during training"):
        assert phrase in text
