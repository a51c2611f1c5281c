"""minigrad.train.evaluate restores the model's mode even when evaluation fails."""
import numpy as np
import pytest

from minigrad.train import evaluate
from minigrad.train.recipes import build_mlp


def test_evaluate_restores_training_mode_when_it_raises():
    model = build_mlp(4, (3,), 2, dropout=0.5)
    model.train()
    images = np.ones((5, 4), dtype=np.float32)
    bad_labels = np.array([0, 1, 7, 0, 1])   # class 7 does not exist: cross_entropy raises
    with pytest.raises(ValueError, match="class index 7"):
        evaluate(model, images, bad_labels, batch_size=5)
    assert model.training, "evaluate left the model in eval mode after an error"
