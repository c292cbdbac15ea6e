"""Data sets by name, label noise, and a device-resident batch loader.

``load(name)`` returns the uint8 arrays of Fashion-MNIST, CIFAR-10 or CIFAR-100 from
``<data root>/<name>.npz`` (keys x_train, y_train, x_test, y_test) or from torchvision's own
format under the same root (CIFAR-100's pickled ``cifar-100-python/train`` and ``test`` are
read directly, with a restricted unpickler). ``DeviceData`` keeps a (seeded, optionally
noisy) training subset on the device as one uint8 tensor and serves shuffled, augmented,
normalised batches without per-sample Python, as fast small-model trainers (airbench,
hlb-CIFAR10) do.

MNIST-1D (``mnist1d``, Greydanus 2020) is not read from files but generated, see
:func:`make_mnist1d`: float32 signals of 40 samples, which the models see as a one-channel
1 x 40 image (``INPUT_SHAPES["mnist1d"] == (1, 1, 40)``). Float data sets (``FLOAT_DATASETS``)
are standardised like images (with the training subset's mean and standard deviation) and
refuse augmentation, which is defined for images only.
"""

from __future__ import annotations

import codecs
import functools
import pickle
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
    # generated, not stored: no torchvision class and no folder (see make_mnist1d)
    "mnist1d": (None, 10, None),
}
INPUT_SHAPES = {"fashion_mnist": (1, 28, 28), "cifar10": (3, 32, 32), "cifar100": (3, 32, 32),
                "mnist1d": (1, 1, 40)}
"""Shape (channels, height, width) of one input of each data set, as the models see it."""

FLOAT_DATASETS = ("mnist1d",)
"""Data sets of float32 signals (not uint8 images): generated, standardised, never augmented."""

GENERATED = ("mnist1d",)
"""Data sets made by code on every load (nothing to download or find under the data root)."""


@dataclass(frozen=True)
class Arrays:
    """A data set as numpy arrays: uint8 images (N, H, W) or (N, H, W, C), or float32
    signals (N, L) for a data set of ``FLOAT_DATASETS``; integer labels (N,)."""

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


def locate(name: str, root: str | Path | None = None) -> Path | None:
    """Where data set ``name`` is (its ``.npz`` or torchvision folder), without reading it.

    Raises FileNotFoundError saying where it was looked for and how to get it. A generated
    data set (``GENERATED``) is nowhere: None.
    """
    check_name(name)
    if name in GENERATED:
        return None
    root = Path(root).expanduser() if root is not None else paths.data_root()
    for path in (root / f"{name}.npz", root / DATASETS[name][2]):
        if path.exists():
            return path
    raise FileNotFoundError(_missing_message(name, root))


def load(name: str, root: str | Path | None = None, download: bool = False) -> Arrays:
    """The data set ``name`` as arrays, from ``<root>/<name>.npz`` or torchvision's files.

    ``root`` defaults to ``paths.data_root()`` (``PRUNEDD_DATA_ROOT``). Nothing is fetched
    from the internet unless ``download=True``; a missing data set raises FileNotFoundError
    saying where it was looked for and how to get it. ``mnist1d`` is generated
    (:func:`make_mnist1d` with its defaults, kept in memory once per process); ``root`` and
    ``download`` do not apply to it.
    """
    check_name(name)
    if name == "mnist1d":
        return check_arrays(_mnist1d_default(), name, Path("<mnist1d generated>"))
    root = Path(root).expanduser() if root is not None else paths.data_root()
    npz = root / f"{name}.npz"
    if npz.is_file():
        return check_arrays(_read_npz(npz, name), name, npz)
    folder = root / DATASETS[name][2]
    if name == "cifar100" and folder.is_dir():
        # read directly: torchvision's class would refuse any file whose md5 is not the
        # published one (so no test could make a small one)
        return check_arrays(_read_cifar_python(folder, name), name, folder)
    if download or folder.is_dir():
        try:
            arrays = _from_torchvision(name, root, download)
        except RuntimeError as err:  # torchvision's "Dataset not found or corrupted"
            raise FileNotFoundError(_missing_message(name, root)) from err
        return check_arrays(arrays, name, root / DATASETS[name][2])
    raise FileNotFoundError(_missing_message(name, root))


CIFAR_PYTHON = {
    # name: (training files, test files, label key) in torchvision's folder
    "cifar100": (("train",), ("test",), "fine_labels"),
}

# What a CIFAR pickle may construct: numpy arrays and dtypes, nothing else (a crafted file
# cannot run code). numpy 1 pickles name numpy.core, numpy 2 numpy._core.
_core = getattr(np, "_core", None) or np.core
_PICKLE_GLOBALS = {
    (mod, name): obj
    for prefix in ("numpy.core", "numpy._core")
    for mod, name, obj in (
        (f"{prefix}.multiarray", "_reconstruct", _core.multiarray._reconstruct),
        (f"{prefix}.multiarray", "scalar", _core.multiarray.scalar),
        (f"{prefix}.numeric", "_frombuffer", getattr(_core.numeric, "_frombuffer", None)),
    )
    if obj is not None
}
_PICKLE_GLOBALS.update({("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
                        # bytes in a protocol-2 pickle written by Python 3
                        ("_codecs", "encode"): codecs.encode})


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return _PICKLE_GLOBALS[(module, name)]


def _read_cifar_pickle(path: Path, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 32, 32, 3) and labels of one pickled CIFAR batch (as torchvision reads it)."""
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        with open(path, "rb") as f:
            entry = _ArrayUnpickler(f, encoding="latin1").load()
        x, y = np.asarray(entry["data"]), np.asarray(entry[label_key])
        if x.ndim != 2 or x.shape[1] != 3 * 32 * 32:
            raise ValueError(f"data must have shape (N, 3072), got {x.shape}")
    except Exception as err:  # not a pickle, a refused global, a missing key, a bad shape
        raise ValueError(f"{path}: not a CIFAR batch of {label_key!r} and 'data' "
                         f"({type(err).__name__}: {err})") from err
    # rows hold the red, green and blue 32 x 32 planes one after the other
    return np.ascontiguousarray(x.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)), y


def _read_cifar_python(folder: Path, name: str) -> Arrays:
    """A CIFAR data set from torchvision's (the original) pickled python version in ``folder``."""
    train_files, test_files, key = CIFAR_PYTHON[name]

    def split(files):
        try:
            parts = [_read_cifar_pickle(folder / f, key) for f in files]
        except FileNotFoundError as err:
            raise FileNotFoundError(_missing_message(name, folder.parent)) from err
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def labels(y):  # uint8, as torchvision's path gives, when they fit (else check_arrays says)
        ok = np.issubdtype(y.dtype, np.integer) and y.size and 0 <= y.min() and y.max() < 256
        return y.astype(np.uint8) if ok else y

    (xtr, ytr), (xte, yte) = split(train_files), split(test_files)
    return Arrays(xtr, labels(ytr), xte, labels(yte), DATASETS[name][1])


MNIST1D_DEFAULTS = {"num_samples": 5000, "train_split": 0.8, "seed": 42}
"""The MNIST-1D recipe of this book: the package's defaults, 4,000 training and 1,000 test
signals of 40 samples (its ``get_dataset_args()``; seed 42 as in the original data set)."""


def make_mnist1d(num_samples: int = 5000, train_split: float = 0.8, seed: int = 42) -> Arrays:
    """Generate MNIST-1D (Greydanus 2020) with the ``mnist1d`` package: float32 signals (N, 40).

    ``mnist1d.data.make_dataset(get_dataset_args())`` with ``num_samples``, ``train_split``
    and ``seed`` replaced: each of the 10 digit templates is padded, scaled, translated, given
    correlated and white noise, sheared and resampled to 40 points; the whole set is then
    centred and scaled to standard deviation 1 and split into the first
    ``round(train_split * num_samples)`` signals (training) and the rest (test). The
    package seeds numpy's and Python's global random generators; their states are restored
    afterwards, so generating the data changes no other random stream. Deterministic for a
    given seed (about 4 s on one CPU core, most of it scipy's interpolation).
    """
    import random

    from mnist1d.data import get_dataset_args, make_dataset

    for pname, value in (("num_samples", num_samples), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{pname} must be an integer >= 0, got {value!r}")
    if num_samples < 20:
        raise ValueError(f"num_samples must be >= 20 (two signals per class), got {num_samples}")
    if not 0.0 < train_split < 1.0:
        raise ValueError(f"train_split must be in (0, 1), got {train_split!r}")
    args = get_dataset_args()
    args.num_samples, args.train_split, args.seed = int(num_samples), float(train_split), int(seed)
    # the package draws from numpy's legacy global generator: save and restore its state
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    try:
        d = make_dataset(args)
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)

    def arrays(x, y):
        return np.ascontiguousarray(x, dtype=np.float32), np.asarray(y).astype(np.uint8)

    return Arrays(*arrays(d["x"], d["y"]), *arrays(d["x_test"], d["y_test"]),
                  DATASETS["mnist1d"][1])


@functools.lru_cache(maxsize=1)
def _mnist1d_default() -> Arrays:
    a = make_mnist1d(**MNIST1D_DEFAULTS)
    for x in (a.x_train, a.y_train, a.x_test, a.y_test):
        x.flags.writeable = False  # shared by every caller of this process
    return a


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

    A float data set (``FLOAT_DATASETS``) must instead hold finite float32 signals of shape
    (N, L) with L the width of its input shape. Raises ValueError naming ``source``, before
    any run writes a file.
    """
    c, h, w = INPUT_SHAPES[name]
    is_float = name in FLOAT_DATASETS
    image = (w,) if is_float else (h, w) if c == 1 else (h, w, c)
    for split in ("train", "test"):
        x, y = getattr(a, f"x_{split}"), getattr(a, f"y_{split}")
        if is_float:
            if x.dtype != np.float32:
                raise ValueError(f"{source}: x_{split} must be float32 signals, got {x.dtype}")
            if not np.all(np.isfinite(x)):
                raise ValueError(f"{source}: x_{split} must be finite")
        elif x.dtype != np.uint8:
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
    """(N, H, W) or (N, H, W, C) uint8 to (N, C, H, W); (N, L) signals to (N, 1, 1, L)."""
    if x.ndim == 2:
        return np.ascontiguousarray(x[:, None, None, :])
    return x[:, None] if x.ndim == 3 else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


class DeviceData:
    """A training subset and a test set held on the device as uint8 tensors.

    Batches are drawn with ``torch.randperm`` from a caller's generator, augmented on the
    device (random crop with zero padding, horizontal flip) and normalised with the
    training subset's per-channel mean and standard deviation. A float data set
    (``FLOAT_DATASETS``, e.g. MNIST-1D) is held as float32 tensors of shape (N, 1, 1, L),
    standardised the same way (without the 1/255), and refuses augmentation.
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
        self.is_float = name in FLOAT_DATASETS
        arrays = load(name, root, download)
        self.num_classes = arrays.num_classes
        tr = subset_indices(len(arrays.y_train), int(n_train), seed)
        te = subset_indices(len(arrays.y_test), int(n_test), seed + 1)
        clean = arrays.y_train[tr].astype(np.int64)
        # Subsets and noise use distinct seeds derived from ``seed`` (train, test, noise).
        noisy, self.noisy_indices = corrupt_labels(clean, label_noise, self.num_classes, seed + 2)
        x = _nchw(arrays.x_train[tr])
        self.input_shape = tuple(x.shape[1:])
        scaled = x.astype(np.float64) / (1.0 if self.is_float else 255.0)
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
        unit = 1.0 if self.is_float else 255.0
        self._scale = (1.0 / (unit * self.std)).view(1, -1, 1, 1).to(self.device)
        self._shift = (self.mean / self.std).view(1, -1, 1, 1).to(self.device)

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 images (or float signals) to float, standardised per channel."""
        return x.float() * self._scale - self._shift

    def batches(self, batch_size: int, generator: torch.Generator, augment: bool = False):
        """One epoch of ``(x, y)`` training batches in a random order (the last may be short)."""
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        if augment and self.is_float:
            raise ValueError(f"augment must be False for {self.name!r}: random crops and "
                             "flips are defined for images, not for float signals")
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
