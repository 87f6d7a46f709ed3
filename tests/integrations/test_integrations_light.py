"""Importing the integrations costs nothing until a framework is used; shared helpers are exact."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from heron.integrations.prediction_tables import class_name_list, image_array, softmax, to_numpy


def test_importing_the_integrations_loads_no_framework() -> None:
    code = (
        "import sys, heron.integrations, heron.integrations.keras, heron.integrations.pytorch\n"
        "heavy = {'torch', 'keras', 'lightning', 'pytorch_lightning', 'tensorflow', 'numpy'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_unknown_attributes_still_raise_attribute_error() -> None:
    import heron.integrations.keras as keras_integration
    import heron.integrations.pytorch as pytorch_integration

    with pytest.raises(AttributeError):
        _ = keras_integration.NoSuchThing  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        _ = pytorch_integration.NoSuchThing  # type: ignore[attr-defined]


def test_softmax_is_stable_for_large_logits() -> None:
    scores = softmax(np.array([[1000.0, 1000.0, -1000.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(scores, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-12)


def test_to_numpy_detaches_torch_tensors() -> None:
    import torch

    tensor = torch.ones(2, 3, requires_grad=True) * 2
    array = to_numpy(tensor)
    assert isinstance(array, np.ndarray) and array.shape == (2, 3) and array[0, 0] == 2.0


def test_image_array_turns_chw_floats_into_viewable_uint8() -> None:
    unit = np.full((3, 4, 5), 0.5, dtype=np.float32)
    assert image_array(unit).shape == (4, 5, 3)
    assert image_array(unit).dtype == np.uint8 and image_array(unit)[0, 0, 0] == 128
    normalized = np.linspace(-2, 2, 16, dtype=np.float32).reshape(1, 4, 4)
    gray = image_array(normalized)
    assert gray.shape == (4, 4) and gray.min() == 0 and gray.max() == 255
    assert image_array(np.zeros((6, 6, 3), dtype=np.uint8)).shape == (6, 6, 3)


def test_class_names_must_match_the_score_columns() -> None:
    assert class_name_list(None, 3) == ["0", "1", "2"]
    with pytest.raises(ValueError, match="2 class names given for 3"):
        class_name_list(["a", "b"], 3)
