"""``python -m lecturecode figures ...``: see :mod:`lecturecode.cli`."""

import sys

from .cli import main

sys.exit(main())
