"""The threshold-study chapter runs end to end with the sweep's tiny preset (both stages)."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_tools import run_notebook

from prunedd_utils.sweeps import threshold_mnist1d

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_threshold_mnist1d.ipynb"


def _no_files(folder: Path) -> Path:
    """MNIST-1D is generated, not read: the data folder stays empty."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow
def test_notebook_runs_with_the_tiny_preset(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    text = run_notebook(NOTEBOOK, tmp_path, monkeypatch, _no_files,
                        dict(threshold_mnist1d.PRESETS["tiny"], train_missing=True))
    for phrase in ("IT (mean final train error < 0.9): h = ", "widths pruned:",
                   "optimum epoch", "gap to the dense curve", "fits down to",
                   "rewind_weights", "one-shot to",
                   "largest mean learning distance", "compact sizes span a factor"):
        assert phrase in text, phrase
