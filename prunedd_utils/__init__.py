"""prunedd_utils: the computations behind the prunedd book.

The book's chapters import what they need from the modules named for what they hold,
for example ``from prunedd_utils import lgp``. Importing the package itself is cheap: it
loads neither torch nor scipy.
"""

__version__ = "0.1.0"
