"""Data: loading by name, missing data, label noise, subsets, device batches, augmentation."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from prunedd_utils.neural import data


@pytest.fixture
def data_root():
    """The real data folder; skipped (with the reason) only when PRUNEDD_DATA_ROOT is unset."""
    root = os.environ.get("PRUNEDD_DATA_ROOT", "").strip()
    if not root:
        pytest.skip("PRUNEDD_DATA_ROOT is unset: point it at the folder of cifar10.npz and "
                    "fashion_mnist.npz (CI uses /work/shared/data)")
    return root


def test_unknown_dataset_is_refused_before_reading():
    with pytest.raises(ValueError, match="^dataset must be one of"):
        data.load("mnist", root="/nonexistent")


def test_missing_dataset_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        data.load("fashion_mnist", root=tmp_path)
    text = str(err.value)
    for hint in ("PRUNEDD_DATA_ROOT", "download=True", "dataset-fashion-mnist",
                 str(tmp_path / "fashion_mnist.npz")):
        assert hint in text


def test_npz_format_is_read(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8),
        "y_train": rng.integers(0, 100, 20, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8),
        "y_test": rng.integers(0, 100, 5, dtype=np.uint8),
    }
    np.savez(tmp_path / "cifar100.npz", **arrays)
    got = data.load("cifar100", root=tmp_path)
    assert got.num_classes == 100
    assert np.array_equal(got.x_train, arrays["x_train"])
    dd = data.DeviceData("cifar100", n_train=8, root=tmp_path, device="cpu")
    assert dd.x_train.shape == (8, 3, 32, 32) and dd.x_train.dtype == torch.uint8
    assert dd.x_test.shape == (5, 3, 32, 32)


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.2, 0.5])
def test_label_noise_fraction_is_exact_and_every_noisy_label_differs(fraction):
    y = np.random.default_rng(1).integers(0, 10, 1000)
    noisy, idx = data.corrupt_labels(y, fraction, 10, seed=3)
    assert len(idx) == round(fraction * 1000)
    assert np.count_nonzero(noisy != y) == len(idx)  # exactly the chosen ones changed
    assert np.all(noisy[idx] != y[idx])
    again, idx2 = data.corrupt_labels(y, fraction, 10, seed=3)
    assert np.array_equal(again, noisy) and np.array_equal(idx, idx2)


def test_noisy_labels_are_uniform_over_the_other_classes():
    # 20,000 corrupted labels of class 0: each of the 9 other classes has p = 1/9; a
    # count outside 5 standard deviations would be a 1-in-a-million event.
    y = np.zeros(40_000, dtype=np.int64)
    noisy, idx = data.corrupt_labels(y, 0.5, 10, seed=0)
    counts = np.bincount(noisy[idx], minlength=10)
    n, p = len(idx), 1 / 9
    assert counts[0] == 0
    assert np.all(np.abs(counts[1:] - n * p) < 5 * np.sqrt(n * p * (1 - p)))


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_label_noise_outside_0_1_is_refused(fraction):
    with pytest.raises(ValueError, match=r"^label_noise must be in \[0, 1\)"):
        data.corrupt_labels(np.zeros(10), fraction, 10, seed=0)
    with pytest.raises(ValueError, match=r"^label_noise must be in \[0, 1\)"):
        data.DeviceData("cifar10", label_noise=fraction, root="/nonexistent")


def test_subsets_are_seeded_and_distinct():
    a, b = data.subset_indices(1000, 100, 5), data.subset_indices(1000, 100, 5)
    assert np.array_equal(a, b) and len(np.unique(a)) == 100
    assert not np.array_equal(a, data.subset_indices(1000, 100, 6))
    with pytest.raises(ValueError, match="^n must be in"):
        data.subset_indices(10, 11, 0)


def test_augmentation_crops_and_flips_whole_batches():
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8) + 1
    out = data.augment_batch(x, torch.Generator().manual_seed(0), pad=2)
    assert out.shape == x.shape
    for i in range(2):  # each output image is a shifted (maybe flipped) window of its input
        padded = torch.nn.functional.pad(x[i], (2, 2, 2, 2))
        windows = [padded[:, r : r + 8, c : c + 8] for r in range(5) for c in range(5)]
        windows += [w.flip(2) for w in windows]
        assert any(torch.equal(out[i], w) for w in windows)
    # Over many draws all 25 shifts and both flips occur.
    big = torch.ones(4000, 1, 4, 4)
    out = data.augment_batch(big, torch.Generator().manual_seed(1), pad=2)
    zeros_per_image = (out == 0).flatten(1).sum(1)
    # shifts (a, b) in {-2..2}^2 leave 16 - (4 - |a|)(4 - |b|) padded zeros in view
    assert set(zeros_per_image.tolist()) == {0, 4, 7, 8, 10, 12}
    ramp = torch.arange(4.0).expand(4000, 1, 4, 4)
    out = data.augment_batch(ramp, torch.Generator().manual_seed(2), pad=0)
    flipped = (out[:, 0, 0, 0] == 3).sum().item()
    assert torch.equal(out[out[:, 0, 0, 0] == 3], ramp[:flipped].flip(3))
    assert abs(flipped - 2000) < 5 * np.sqrt(1000)  # p = 1/2, 5 standard deviations


def test_device_data_fashion_mnist(data_root):
    dd = data.DeviceData("fashion_mnist", n_train=500, n_test=200, label_noise=0.2, seed=0,
                         device="cpu")
    assert dd.x_train.shape == (500, 1, 28, 28) and dd.input_shape == (1, 28, 28)
    assert len(dd.noisy_indices) == 100 and int(dd.is_noisy.sum()) == 100
    assert torch.all(dd.y_train[dd.is_noisy] != dd.y_clean[dd.is_noisy])
    assert torch.equal(dd.y_train[~dd.is_noisy], dd.y_clean[~dd.is_noisy])
    # Normalised with the subset's own statistics: mean 0 and std 1 over the subset.
    x = dd.normalize(dd.x_train)
    assert abs(float(x.mean())) < 1e-4 and abs(float(x.std()) - 1) < 1e-3
    gen = torch.Generator().manual_seed(0)
    seen = torch.cat([y for _, y in dd.batches(128, gen)])
    assert len(seen) == 500  # one epoch visits every example once
    assert sorted(seen.tolist()) == sorted(dd.y_train.tolist())


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("y_test"), r"missing arrays \['y_test'\]"),
    (lambda d: d.update(x_train=d["x_train"].astype(np.float32)), "x_train must be uint8"),
    (lambda d: d.update(x_train=d["x_train"].reshape(len(d["x_train"]), -1)),
     r"x_train must have shape \(N, 28, 28\)"),
    (lambda d: d.update(y_train=d["y_train"] + 10), r"y_train must be labels in \[0, 9\]"),
    (lambda d: d.update(y_test=d["y_test"].astype(np.float64)), "y_test must be 200 integer"),
])
def test_a_bad_data_file_is_refused_on_load_naming_the_file(tmp_path, mutate, message):
    from store_tools import write_fake_fashion_mnist

    root = write_fake_fashion_mnist(tmp_path, n_train=100, n_test=200)
    with np.load(root / "fashion_mnist.npz") as f:
        arrays = dict(f)
    mutate(arrays)
    np.savez(root / "fashion_mnist.npz", **arrays)
    with pytest.raises(ValueError, match=message) as err:
        data.load("fashion_mnist", root)
    assert "fashion_mnist.npz" in str(err.value)


def test_a_truncated_data_file_is_refused_naming_the_file(tmp_path):
    from store_tools import write_fake_fashion_mnist

    path = write_fake_fashion_mnist(tmp_path, n_train=100) / "fashion_mnist.npz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="fashion_mnist.npz: not a readable .npz"):
        data.load("fashion_mnist", tmp_path)


# --------------------------------------------------------------------------- MNIST-1D


def test_mnist1d_is_generated_as_float_signals_without_a_data_root():
    a = data.load("mnist1d", root="/nonexistent")  # generated: no files, no root needed
    assert a.x_train.shape == (4000, 40) and a.x_test.shape == (1000, 40)
    assert a.x_train.dtype == np.float32 and a.y_train.dtype == np.uint8
    assert a.num_classes == 10 and set(np.unique(a.y_train)) == set(range(10))
    assert np.all(np.bincount(a.y_train, minlength=10) > 350)  # about 400 per class
    assert abs(float(np.concatenate([a.x_train, a.x_test]).std()) - 1) < 1e-3
    assert data.load("mnist1d") is a  # generated once per process
    assert data.locate("mnist1d") is None
    assert data.INPUT_SHAPES["mnist1d"] == (1, 1, 40) and "mnist1d" in data.FLOAT_DATASETS


def test_mnist1d_recipe_is_seeded_and_leaves_the_global_random_state_alone():
    import random

    np.random.seed(7)  # noqa: NPY002 (the legacy state the mnist1d package uses)
    random.seed(7)
    before = (np.random.get_state()[1].copy(), random.getstate())  # noqa: NPY002
    a = data.make_mnist1d(num_samples=200, seed=3)
    after = (np.random.get_state()[1], random.getstate())  # noqa: NPY002
    assert np.array_equal(before[0], after[0]) and before[1] == after[1]
    b = data.make_mnist1d(num_samples=200, seed=3)
    c = data.make_mnist1d(num_samples=200, seed=4)
    assert a.x_train.shape == (160, 40) and a.x_test.shape == (40, 40)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    with pytest.raises(ValueError, match="^train_split must be in"):
        data.make_mnist1d(num_samples=200, train_split=1.0)


def test_mnist1d_on_the_device_is_standardised_noisy_and_refuses_augmentation():
    dd = data.DeviceData("mnist1d", n_train=500, n_test=200, label_noise=0.15, seed=0,
                         device="cpu")
    assert dd.is_float and dd.input_shape == (1, 1, 40)
    assert dd.x_train.shape == (500, 1, 1, 40) and dd.x_train.dtype == torch.float32
    assert dd.x_test.shape == (200, 1, 1, 40)
    assert len(dd.noisy_indices) == 75 and torch.all(dd.y_train[dd.is_noisy]
                                                     != dd.y_clean[dd.is_noisy])
    arrays = data.load("mnist1d")
    idx = data.subset_indices(4000, 500, 0)
    assert np.array_equal(dd.x_train[:, 0, 0].numpy(), arrays.x_train[idx])  # no 1/255
    x = dd.normalize(dd.x_train)
    assert abs(float(x.mean())) < 1e-4 and abs(float(x.std()) - 1) < 1e-3
    xb, yb = next(dd.batches(100, torch.Generator().manual_seed(0)))
    assert xb.shape == (100, 1, 1, 40) and yb.shape == (100,)
    with pytest.raises(ValueError, match="^augment must be False for 'mnist1d'"):
        next(dd.batches(100, torch.Generator().manual_seed(0), augment=True))


@pytest.mark.parametrize("mutate, message", [
    (lambda a: dict(a, x_train=(a["x_train"] * 10).astype(np.uint8)),
     "x_train must be float32 signals"),
    (lambda a: dict(a, x_test=a["x_test"][:, :39]), r"x_test must have shape \(N, 40\)"),
    (lambda a: dict(a, x_train=np.full_like(a["x_train"], np.nan)), "x_train must be finite"),
    (lambda a: dict(a, y_train=a["y_train"] + 10), r"y_train must be labels in \[0, 9\]"),
])
def test_float_signals_are_checked_like_images(mutate, message):
    a = data.make_mnist1d(num_samples=100)
    arrays = mutate({"x_train": a.x_train, "y_train": a.y_train, "x_test": a.x_test,
                     "y_test": a.y_test})
    bad = data.Arrays(**arrays, num_classes=10)
    with pytest.raises(ValueError, match=message):
        data.check_arrays(bad, "mnist1d", data.Path("<generated>"))
    assert data.check_arrays(a, "mnist1d", data.Path("<generated>")) is a


# --------------------------------------------------------------------------- CIFAR-100 files


def _write_cifar100_python(root, n_train=300, n_test=100, protocol=2):
    """A small data set in torchvision's (the original) CIFAR-100 python format."""
    import pickle

    rng = np.random.default_rng(5)
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        entry = {"filenames": [f"img_{i}.png" for i in range(n)],
                 "batch_label": f"{split} batch",
                 "fine_labels": rng.integers(0, 100, n).tolist(),
                 "coarse_labels": rng.integers(0, 20, n).tolist(),
                 "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
        with open(folder / split, "wb") as f:
            pickle.dump(entry, f, protocol=protocol)
        out[split] = entry
    return out


@pytest.mark.parametrize("protocol", [2, 5])
def test_cifar100_is_read_from_torchvisions_python_format(tmp_path, protocol):
    written = _write_cifar100_python(tmp_path, protocol=protocol)
    a = data.load("cifar100", tmp_path)
    assert a.num_classes == 100
    assert a.x_train.shape == (300, 32, 32, 3) and a.x_test.shape == (100, 32, 32, 3)
    assert a.x_train.dtype == np.uint8 and a.y_train.dtype == np.uint8
    assert a.y_train.tolist() == written["train"]["fine_labels"]
    assert a.y_test.tolist() == written["test"]["fine_labels"]
    # a row holds the red, green and blue 32 x 32 planes, each row by row
    raw = written["train"]["data"]
    for i, r, c, ch in ((0, 0, 0, 0), (7, 3, 30, 1), (299, 31, 31, 2), (42, 17, 5, 2)):
        assert a.x_train[i, r, c, ch] == raw[i, ch * 1024 + r * 32 + c]
    dd = data.DeviceData("cifar100", n_train=64, n_test=50, root=tmp_path, device="cpu")
    assert dd.x_train.shape == (64, 3, 32, 32) and dd.x_train.dtype == torch.uint8
    assert dd.num_classes == 100 and len(dd.y_test) == 50


def test_a_cifar100_folder_missing_a_file_or_with_a_crafted_pickle_is_refused(tmp_path,
                                                                            monkeypatch):
    import pickle

    _write_cifar100_python(tmp_path, n_train=20, n_test=10)
    (tmp_path / "cifar-100-python" / "test").unlink()
    with pytest.raises(FileNotFoundError, match="data set 'cifar100' not found"):
        data.load("cifar100", tmp_path)

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("touch pwned",))

    monkeypatch.chdir(tmp_path)
    with open(tmp_path / "cifar-100-python" / "test", "wb") as f:
        pickle.dump({"data": Evil(), "fine_labels": [0]}, f)
    with pytest.raises(ValueError, match="cifar-100-python/test: not a CIFAR batch"):
        data.load("cifar100", tmp_path)
    assert not (tmp_path / "pwned").exists()
