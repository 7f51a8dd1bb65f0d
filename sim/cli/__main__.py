"""``python -m sim.cli``: the ``wargame`` command without installing it."""

import sys

from sim.cli import main

sys.exit(main())
