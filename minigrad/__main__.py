"""``python -m minigrad train ...``: the same as the ``minigrad`` console script."""
from minigrad.cli import run

run()
