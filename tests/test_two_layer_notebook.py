"""The two-layer chapter runs end to end with a tiny papermill preset into a scratch store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_tools import write_fake_fashion_mnist

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_two_layer.ipynb"

TINY = {
    "widths": [2, 4, 16],
    "base_widths": [4],
    "label_noise": [0.0, 0.2],
    "random_noise": [0.0],
    "n_train": 300,
    "epochs": 2,
    "eval_every": 1,
}


@pytest.mark.slow
def test_notebook_runs_with_a_tiny_preset(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("PRUNEDD_DATA_ROOT", str(write_fake_fashion_mnist(tmp_path / "data")))
    monkeypatch.setenv("PRUNEDD_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("PRUNEDD_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=TINY, progress_bar=False,
                               kernel_name="python3", cwd=str(NOTEBOOK.parent))
    runs_written = list((tmp_path / "results" / "two_layer").iterdir())
    # 3 dense per noise level; width 16 pruned to b = 4: magnitude (both noise levels)
    # and random (clean only)
    assert len(runs_written) == 3 * 2 + 2 + 1
    text = "".join(
        "".join(o.get("text", "")) for c in json.loads(out.read_text())["cells"]
        if c["cell_type"] == "code" for o in c.get("outputs", [])
    )
    assert "training wide and pruning beats training small" in text
    assert "interpolation from" in text
