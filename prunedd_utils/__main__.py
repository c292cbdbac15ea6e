"""``python -m prunedd_utils``: the command line (see :mod:`prunedd_utils.cli`)."""

import sys

from .cli import main

sys.exit(main())
