"""prunedd_utils: the computations behind the prunedd book.

The book's chapters import what they need from the modules named for what they hold:
``theory`` (numpy/scipy: ``from prunedd_utils.theory import lgp``), ``neural`` (torch
models, data, pruning, training), ``runs`` (settings, store, pipeline, sweep backends),
``sweeps`` (one per chapter), ``double_descent`` and ``plotting``; ``python -m
prunedd_utils`` is the command line. Importing the package itself is cheap: it loads
neither torch nor scipy.
"""

__version__ = "0.1.0"
