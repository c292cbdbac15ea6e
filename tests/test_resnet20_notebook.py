"""The ResNet-20 chapter runs end to end with the sweep's tiny preset into a scratch store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_tools import write_fake_cifar10

from prunedd_utils.sweeps import resnet20

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_resnet20_cifar10.ipynb"


@pytest.mark.slow
def test_notebook_runs_with_the_tiny_preset(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("PRUNEDD_DATA_ROOT", str(write_fake_cifar10(tmp_path / "data")))
    monkeypatch.setenv("PRUNEDD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PRUNEDD_CACHE", str(tmp_path / "cache"))
    params = {k: list(v) if isinstance(v, tuple) else v
              for k, v in resnet20.PRESETS["tiny"].items()}
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=dict(params, train_missing=True),
                               progress_bar=False, kernel_name="python3",
                               cwd=str(NOTEBOOK.parent))
    stored = list((tmp_path / "results" / "resnet20").iterdir())
    assert len(stored) == len(resnet20.settings(**resnet20.PRESETS["tiny"])) == 4
    assert all(json.loads((d / "metrics.json").read_text())["status"] == "done" for d in stored)
    text = "".join(
        "".join(o.get("text", "")) for c in json.loads(out.read_text())["cells"]
        if c["cell_type"] == "code" for o in c.get("outputs", [])
    )
    for phrase in ("base k=2", "random pruning worse than magnitude", "no retraining far higher",
                   "gpu preset: 55 runs"):
        assert phrase in text
