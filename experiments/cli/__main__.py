"""``python -m experiments.cli``: the ``bposim`` command."""

import sys

from experiments.cli import main

sys.exit(main())
