"""``python -m minigrad train ...``: the same as the ``minigrad`` console script."""
import sys

from minigrad.cli import main

sys.exit(main())
