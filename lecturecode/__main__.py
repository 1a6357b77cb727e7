"""``python -m lecturecode figures ...``: see :mod:`lecturecode.jobs`."""

import sys

from .jobs import main

sys.exit(main())
