"""The JAX tests run last in the session.

Once JAX has started its CPU backend it holds threads, and a later ``os.fork``
(tests/optim/test_threads.py forks; every subprocess forks before it execs)
makes JAX warn that the child may deadlock. Running its tests after all others
keeps every fork of the suite in a process without JAX's threads (within the
file, the check that runs a subprocess comes first, before JAX's backend starts).
"""


def pytest_collection_modifyitems(session, config, items):
    jax_tests = [item for item in items if item.path.name == "test_dlpack_jax.py"]
    if jax_tests:
        others = [item for item in items if item not in jax_tests]
        items[:] = others + jax_tests
