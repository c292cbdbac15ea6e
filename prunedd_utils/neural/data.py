"""Image data sets by name, label noise, and a device-resident batch loader.

``load(name)`` returns the uint8 arrays of Fashion-MNIST, CIFAR-10 or CIFAR-100 from
``<data root>/<name>.npz`` (keys x_train, y_train, x_test, y_test) or from torchvision's own
format under the same root. ``DeviceData`` keeps a (seeded, optionally noisy) training
subset on the device as one uint8 tensor and serves shuffled, augmented, normalised batches
without per-sample Python, as fast small-model trainers (airbench, hlb-CIFAR10) do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import paths

DATASETS = {
    # name: (torchvision class, number of classes, folder torchvision creates under root)
    "fashion_mnist": ("FashionMNIST", 10, "FashionMNIST"),
    "cifar10": ("CIFAR10", 10, "cifar-10-batches-py"),
    "cifar100": ("CIFAR100", 100, "cifar-100-python"),
}
INPUT_SHAPES = {"fashion_mnist": (1, 28, 28), "cifar10": (3, 32, 32), "cifar100": (3, 32, 32)}
"""Shape (channels, height, width) of one image of each data set, as the models see it."""


@dataclass(frozen=True)
class Arrays:
    """A data set as numpy uint8 arrays: images (N, H, W) or (N, H, W, C), labels (N,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int


def check_name(name: str) -> str:
    """Raise a ValueError naming the known data sets unless ``name`` is one of them."""
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {name!r}")
    return name


def _missing_message(name: str, root: Path) -> str:
    tv = DATASETS[name][0]
    hint = (
        f"data set {name!r} not found under {root}: expected {root / (name + '.npz')} "
        f"(uint8 arrays x_train, y_train, x_test, y_test) or torchvision's {tv} files in "
        f"{root / DATASETS[name][2]}. Point the environment variable PRUNEDD_DATA_ROOT at a "
        f"folder that holds them, or let torchvision download them with "
        f"prunedd_utils.neural.data.load({name!r}, download=True)"
    )
    if name == "fashion_mnist":
        hint += (
            "; on Debian, `apt-get download dataset-fashion-mnist` gives the IDX files "
            "(in /usr/share/datasets/fashion-mnist/), readable by torchvision once copied to "
            f"{root / 'FashionMNIST' / 'raw'}"
        )
    return hint + "."


def _from_torchvision(name: str, root: Path, download: bool) -> Arrays:
    import torchvision

    cls = getattr(torchvision.datasets, DATASETS[name][0])
    train = cls(str(root), train=True, download=download)
    test = cls(str(root), train=False, download=download)

    def arrays(ds):
        x = ds.data.numpy() if isinstance(ds.data, torch.Tensor) else np.asarray(ds.data)
        y = ds.targets.numpy() if isinstance(ds.targets, torch.Tensor) else ds.targets
        return x.astype(np.uint8), np.asarray(y, dtype=np.uint8)

    (xtr, ytr), (xte, yte) = arrays(train), arrays(test)
    return Arrays(xtr, ytr, xte, yte, DATASETS[name][1])


def locate(name: str, root: str | Path | None = None) -> Path:
    """Where data set ``name`` is (its ``.npz`` or torchvision folder), without reading it.

    Raises FileNotFoundError saying where it was looked for and how to get it.
    """
    check_name(name)
    root = Path(root).expanduser() if root is not None else paths.data_root()
    for path in (root / f"{name}.npz", root / DATASETS[name][2]):
        if path.exists():
            return path
    raise FileNotFoundError(_missing_message(name, root))


def load(name: str, root: str | Path | None = None, download: bool = False) -> Arrays:
    """The data set ``name`` as uint8 arrays, from ``<root>/<name>.npz`` or torchvision's files.

    ``root`` defaults to ``paths.data_root()`` (``PRUNEDD_DATA_ROOT``). Nothing is fetched
    from the internet unless ``download=True``; a missing data set raises FileNotFoundError
    saying where it was looked for and how to get it.
    """
    check_name(name)
    root = Path(root).expanduser() if root is not None else paths.data_root()
    npz = root / f"{name}.npz"
    if npz.is_file():
        return check_arrays(_read_npz(npz, name), name, npz)
    if download or (root / DATASETS[name][2]).is_dir():
        try:
            arrays = _from_torchvision(name, root, download)
        except RuntimeError as err:  # torchvision's "Dataset not found or corrupted"
            raise FileNotFoundError(_missing_message(name, root)) from err
        return check_arrays(arrays, name, root / DATASETS[name][2])
    raise FileNotFoundError(_missing_message(name, root))


KEYS = ("x_train", "y_train", "x_test", "y_test")


def _read_npz(path: Path, name: str) -> Arrays:
    """The four arrays of a data set's ``.npz``; ValueError naming the file if it is not one."""
    try:
        with np.load(path, allow_pickle=False) as d:
            missing = [k for k in KEYS if k not in d.files]
            if missing:
                raise ValueError(f"{path}: missing arrays {missing} (a data set .npz holds "
                                 f"{list(KEYS)})")
            return Arrays(*(d[k] for k in KEYS), DATASETS[name][1])
    except ValueError:
        raise
    except Exception as err:  # zipfile.BadZipFile, EOFError, OSError, pickled objects
        raise ValueError(f"{path}: not a readable .npz of uint8 arrays "
                         f"({type(err).__name__}: {err})") from err


def check_arrays(a: Arrays, name: str, source: Path) -> Arrays:
    """Check a data set once, on load: uint8 images of the right shape, labels in range.

    Raises ValueError naming ``source``, before any run writes a file.
    """
    c, h, w = INPUT_SHAPES[name]
    image = (h, w) if c == 1 else (h, w, c)
    for split in ("train", "test"):
        x, y = getattr(a, f"x_{split}"), getattr(a, f"y_{split}")
        if x.dtype != np.uint8:
            raise ValueError(f"{source}: x_{split} must be uint8 images, got {x.dtype}")
        if x.ndim < 2 or tuple(x.shape[1:]) != image:
            shape = ", ".join(map(str, image))
            raise ValueError(f"{source}: x_{split} must have shape (N, {shape}) for {name}, "
                             f"got {x.shape}")
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{source}: y_{split} must be {len(x)} integer labels, got "
                             f"shape {y.shape} of {y.dtype}")
        if len(y) and (y.min() < 0 or y.max() >= a.num_classes):
            raise ValueError(f"{source}: y_{split} must be labels in [0, {a.num_classes - 1}], "
                             f"got [{y.min()}, {y.max()}]")
    return a


def subset_indices(n_total: int, n: int, seed: int) -> np.ndarray:
    """``n`` distinct indices of ``range(n_total)``, drawn with ``seed`` (all, in order, if n=0)."""
    if not isinstance(n, (int, np.integer)) or not 0 <= n <= n_total:
        raise ValueError(f"n must be in [0, {n_total}] (0 = all), got {n!r}")
    if n == 0 or n == n_total:
        return np.arange(n_total)
    return np.sort(np.random.default_rng(seed).choice(n_total, size=n, replace=False))


def corrupt_labels(
    y: np.ndarray, fraction: float, num_classes: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Replace exactly ``round(fraction * len(y))`` labels by a uniformly drawn *other* class.

    The convention of Nakkiran et al. (2019): a corrupted label never equals the true one,
    so the fraction of wrong labels is exactly ``fraction``. Returns the noisy labels and
    the sorted indices that were corrupted (to report train error on clean and noisy parts).
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"label_noise must be in [0, 1), got {fraction!r}")
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2 for label noise, got {num_classes!r}")
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    count = int(round(fraction * len(y)))
    idx = np.sort(rng.choice(len(y), size=count, replace=False))
    noisy = y.astype(np.int64).copy()
    # A shift by 1..C-1 (mod C) is uniform over the C-1 wrong classes.
    noisy[idx] = (noisy[idx] + rng.integers(1, num_classes, size=count)) % num_classes
    return noisy, idx


def _nchw(x: np.ndarray) -> np.ndarray:
    """(N, H, W) or (N, H, W, C) uint8 to (N, C, H, W)."""
    return x[:, None] if x.ndim == 3 else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


class DeviceData:
    """A training subset and a test set held on the device as uint8 tensors.

    Batches are drawn with ``torch.randperm`` from a caller's generator, augmented on the
    device (random crop with zero padding, horizontal flip) and normalised with the
    training subset's per-channel mean and standard deviation.
    """

    def __init__(
        self,
        name: str,
        n_train: int = 0,
        n_test: int = 0,
        label_noise: float = 0.0,
        seed: int = 0,
        device: torch.device | str | None = None,
        root: str | Path | None = None,
        download: bool = False,
    ):
        check_name(name)
        if not 0.0 <= label_noise < 1.0:
            raise ValueError(f"label_noise must be in [0, 1), got {label_noise!r}")
        for pname, value in (("n_train", n_train), ("n_test", n_test)):
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{pname} must be an integer >= 0 (0 = all), got {value!r}")
        from ..runtime import device as default_device

        self.name, self.device = name, torch.device(device) if device else default_device()
        arrays = load(name, root, download)
        self.num_classes = arrays.num_classes
        tr = subset_indices(len(arrays.y_train), int(n_train), seed)
        te = subset_indices(len(arrays.y_test), int(n_test), seed + 1)
        clean = arrays.y_train[tr].astype(np.int64)
        # Subsets and noise use distinct seeds derived from ``seed`` (train, test, noise).
        noisy, self.noisy_indices = corrupt_labels(clean, label_noise, self.num_classes, seed + 2)
        x = _nchw(arrays.x_train[tr])
        self.input_shape = tuple(x.shape[1:])
        scaled = x.astype(np.float64) / 255.0
        self.mean = torch.tensor(scaled.mean(axis=(0, 2, 3)), dtype=torch.float32)
        self.std = torch.tensor(scaled.std(axis=(0, 2, 3)), dtype=torch.float32)
        to = dict(device=self.device)
        self.x_train = torch.from_numpy(x).to(**to)
        self.y_train = torch.from_numpy(noisy).to(**to)
        self.y_clean = torch.from_numpy(clean).to(**to)
        self.is_noisy = torch.zeros(len(clean), dtype=torch.bool, device=self.device)
        self.is_noisy[torch.from_numpy(self.noisy_indices).to(**to)] = True
        self.x_test = torch.from_numpy(_nchw(arrays.x_test[te])).to(**to)
        self.y_test = torch.from_numpy(arrays.y_test[te].astype(np.int64)).to(**to)
        self._scale = (1.0 / (255.0 * self.std)).view(1, -1, 1, 1).to(self.device)
        self._shift = (self.mean / self.std).view(1, -1, 1, 1).to(self.device)

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 images to float, standardised per channel."""
        return x.float() * self._scale - self._shift

    def batches(self, batch_size: int, generator: torch.Generator, augment: bool = False):
        """One epoch of ``(x, y)`` training batches in a random order (the last may be short)."""
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        order = torch.randperm(self.n_train, generator=generator).to(self.device)
        for start in range(0, self.n_train, batch_size):
            idx = order[start : start + batch_size]
            x = self.x_train[idx]
            if augment:
                x = augment_batch(x, generator)
            yield self.normalize(x), self.y_train[idx]


def augment_batch(x: torch.Tensor, generator: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random crop after ``pad`` pixels of zero padding, and a random horizontal flip.

    The crop of every image is one gather of the padded batch (no Python loop over images);
    the random numbers come from ``generator`` so a run is reproducible.
    """
    n, c, h, w = x.shape
    dev = x.device
    shifts = torch.randint(0, 2 * pad + 1, (2, n), generator=generator).to(dev)
    flips = (torch.rand(n, generator=generator) < 0.5).to(dev)
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    rows = (shifts[0][:, None] + torch.arange(h, device=dev)).view(n, 1, h, 1)
    cols = shifts[1][:, None] + torch.arange(w, device=dev)
    cols = torch.where(flips[:, None], cols.flip(1), cols).view(n, 1, 1, w)
    batch = torch.arange(n, device=dev).view(n, 1, 1, 1)
    chan = torch.arange(c, device=dev).view(1, c, 1, 1)
    return padded[batch, chan, rows, cols]
