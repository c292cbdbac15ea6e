"""The ResNet-20 chapter runs end to end with the sweep's tiny preset into a scratch store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_tools import run_notebook, write_fake_cifar10

from prunedd_utils.sweeps import resnet20

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_resnet20_cifar10.ipynb"


@pytest.mark.slow
def test_notebook_runs_with_the_tiny_preset(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    text = run_notebook(NOTEBOOK, tmp_path, monkeypatch, write_fake_cifar10,
                        dict(resnet20.PRESETS["tiny"], train_missing=True))
    stored = list((tmp_path / "results" / "resnet20").iterdir())
    assert len(stored) == len(resnet20.settings(**resnet20.PRESETS["tiny"])) == 5
    assert all(json.loads((d / "metrics.json").read_text())["status"] == "done" for d in stored)
    for phrase in ("base k=2", "random pruning worse than magnitude", "no retraining far higher",
                   "gpu preset: 58 runs"):
        assert phrase in text
