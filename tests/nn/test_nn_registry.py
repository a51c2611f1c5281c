"""The gradcheck registry covers every public layer, loss and functional of minigrad.nn."""
import minigrad as mg
from op_registry import REGISTRY  # imported first: it pulls in nn_registry itself


def test_nn_entries_reach_the_shared_registry():
    from nn_registry import NN_OPS

    names = {info.name for info in REGISTRY}
    assert NN_OPS and all(info.name in names for info in NN_OPS)


def test_every_public_layer_loss_and_function_is_registered():
    names = {info.name.split("(")[0] for info in REGISTRY}
    layers = [n for n in mg.nn.__all__ if isinstance(getattr(mg.nn, n), type)
              and issubclass(getattr(mg.nn, n), mg.nn.Layer) and n not in ("Layer", "Module")]   # Module is Layer
    missing = [n for n in layers if f"nn.{n}" not in names]
    # one_hot has an integer output and no gradient (its values: tests/nn/test_torch_vector_functions_and_losses.py)
    missing += [n for n in mg.nn.functional.__all__ if f"nn.functional.{n}" not in names
                and n not in ("relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "one_hot")]
    assert not missing, f"missing from tests/nn_registry.py: {missing}"
