"""Small stand-in data for the scenario scripts: a folder of tiny class-labelled PNG images.

The public notebooks download a few hundred MB of iNaturalist photos; the scenarios need the
same folder shape (one folder per class, image files inside) at a size tests can afford.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

CLASSES = ["Amphibia", "Aves", "Fungi", "Insecta", "Plantae"]


def make_nature_folder(root: str, images_per_class: int, size: int = 12) -> str:
    """Write ``root/<class>/<id>.jpg``-named PNG files, each a distinct colour; returns root."""
    generator = np.random.default_rng(7)
    for label_index, label in enumerate(CLASSES):
        os.makedirs(os.path.join(root, label), exist_ok=True)
        for index in range(images_per_class):
            pixels = generator.integers(0, 255, (size, size, 3), dtype=np.uint8)
            pixels[0, 0] = (label_index, index, 0)  # every image differs
            Image.fromarray(pixels).save(os.path.join(root, label, f"{label_index}{index:03d}.png"))
    return root
