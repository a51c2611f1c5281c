"""A layered (Sugiyama-style) layout for the matplotlib renderer, the drawing Graphviz's ``dot`` would make.

1. Layers: each node goes as far toward the results as its consumers allow
   (longest path to a root), so a parameter sits just before the op that uses it.
2. Edges longer than one layer get a waypoint in every layer they cross, so no
   edge runs through a box.
3. The order within each layer is improved by a few barycenter sweeps
   (each node moves toward the mean position of its neighbours), which removes
   most crossings.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Placed:
    layer: int
    y: float          # position across the layers, in slots


def layer_nodes(graph):
    """``{node id: layer}``, layer 0 holding the nodes farthest from the results."""
    succ = {n.id: [] for n in graph.nodes}
    indegree = {n.id: 0 for n in graph.nodes}
    for source, target, _ in graph.edges:
        succ[source].append(target)
        indegree[target] += 1
    # Kahn's order from the sources; reversed, every consumer comes before what it consumes.
    order, stack, left = [], [i for i, d in indegree.items() if d == 0], dict(indegree)
    while stack:
        node = stack.pop()
        order.append(node)
        for t in succ[node]:
            left[t] -= 1
            if left[t] == 0:
                stack.append(t)
    to_end = {}
    for node in reversed(order):
        to_end[node] = max((to_end[t] + 1 for t in succ[node]), default=0)
    depth = max(to_end.values(), default=0)
    return {node: depth - d for node, d in to_end.items()}


def layout(graph, sweeps=4):
    """``(positions, routes)``: ``positions[id] = Placed``; ``routes[k]`` is the list of waypoints of edge k."""
    layers = layer_nodes(graph)
    n_layers = max(layers.values(), default=0) + 1
    rows = [[] for _ in range(n_layers)]
    for node in graph.nodes:  # breadth-first order from the roots is a good first guess
        rows[layers[node.id]].append(node.id)
    neighbours = {}
    chains = []
    for source, target, _ in graph.edges:
        chain = [source]
        for layer in range(layers[source] + 1, layers[target]):
            dummy = ("via", len(chains), layer)
            rows[layer].append(dummy)
            chain.append(dummy)
        chain.append(target)
        chains.append(chain)
        for a, b in zip(chain, chain[1:]):
            neighbours.setdefault(a, {"up": [], "down": []})["down"].append(b)
            neighbours.setdefault(b, {"up": [], "down": []})["up"].append(a)
    position = {}

    def renumber(row):
        for i, item in enumerate(row):
            position[item] = i - (len(row) - 1) / 2

    for row in rows:
        renumber(row)
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        for layer in (range(1, n_layers) if forward else range(n_layers - 2, -1, -1)):
            side = "up" if forward else "down"
            row = rows[layer]

            def key(item):
                near = neighbours.get(item, {}).get(side, [])
                return sum(position[x] for x in near) / len(near) if near else position[item]

            row.sort(key=key)
            renumber(row)
    positions = {node.id: Placed(layers[node.id], position[node.id]) for node in graph.nodes}
    routes = [[position[item] if isinstance(item, tuple) else None for item in chain[1:-1]] for chain in chains]
    return positions, routes, rows
