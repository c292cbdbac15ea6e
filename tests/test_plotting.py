"""The shared figure style keeps every text legible in the book's text column."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from prunedd_utils import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _style():
    plotting.use_style()
    yield
    plt.close("all")


def test_a_column_wide_figure_is_shown_unscaled():
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    # 7 in at 110 dpi = 770 px < 784 px: natural size, 110 dpi / 96 CSS px per inch
    assert plotting.display_scale(fig) == pytest.approx(110 / 96)


def test_the_default_style_passes_at_column_width():
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    ax.plot([0, 1], label="curve")
    ax.set_title("title")
    ax.legend()
    assert plotting.check_legible(fig) is fig


def test_a_wide_figure_is_shrunk_and_its_legend_fails():
    fig, ax = plt.subplots(figsize=(11.0, 4.0))
    ax.plot([0, 1], label="curve")
    ax.legend()
    # shrunk to 784 / 1210 of its size: the 9 pt legend is shown at 6.7 pt
    assert plotting.display_scale(fig) == pytest.approx(784 / 1210 * 110 / 96)
    with pytest.raises(ValueError, match="below 9.0 pt"):
        plotting.check_legible(fig)


def test_small_text_in_a_narrow_figure_fails():
    fig, ax = plt.subplots(figsize=(5.0, 3.0))
    ax.text(0.5, 0.5, "tiny note", fontsize=6)
    with pytest.raises(ValueError, match="tiny note"):
        plotting.check_legible(fig)
