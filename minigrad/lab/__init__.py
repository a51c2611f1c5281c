"""The optimizer lab: 2-D test surfaces, optimizer trajectories and their plots.

``surfaces`` holds the functions, ``paths`` runs optimizers on them, and
``plots`` draws the results (matplotlib is imported there, only when a plot
is drawn). ``examples/optimizer_paths.py`` puts the three together.
"""
