"""Settings shared by every step of the workflow, and the artifact names that connect the steps."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import heron

RAW_TYPE = "raw_data"
SPLIT_TYPE = "balanced_data"
MODEL_TYPE = "model"
MODEL_ARTIFACT = "inat_model"
PREDICTIONS_KEY = "predictions"
TEST_RESULTS_KEY = "test_results"
# Inference runs log their test predictions as versions of one artifact, aliased by model.
TEST_RESULTS_ARTIFACT = "inat_test_results"
PREDICTIONS_TYPE = "predictions"


def raw_artifact_name(n_images: int) -> str:
    """Name of the raw dataset artifact holding `n_images` images."""
    return f"inat_raw_data_{n_images}"


def split_artifact_name(n_images: int) -> str:
    """Name of a balanced split artifact holding `n_images` images over its three splits."""
    return f"inat_balanced_{n_images}"


@dataclass(frozen=True)
class Settings:
    """Where runs go and where local working files live.

    Attributes:
        project: heron project of every run.
        store: heron store directory (None: heron's default, `$HERON_DIR` or `./heron-data`).
        workdir: scratch space for exported images, split staging and the feature cache.
        threads: torch CPU threads (1 is often fastest for these small batches on a busy machine).
        seed: seed for sampling, splitting and weight initialisation.
    """

    project: str = "inaturalist"
    store: Path | None = None
    workdir: Path = Path("inat-work")
    threads: int = 1
    seed: int = 0

    def init_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for heron.init shared by every run of the workflow."""
        kwargs: dict[str, Any] = {"project": self.project}
        if self.store is not None:
            kwargs["dir"] = os.fspath(self.store)
        return kwargs

    def download(self, artifact: heron.Artifact) -> Path:
        """Download a used artifact version under the workdir (`artifacts/<name>-<version>`)."""
        root = self.workdir / "artifacts" / f"{artifact.name}-{artifact.version}"
        return Path(artifact.download(root=root))

    def apply_threads(self) -> None:
        """Limit torch to `threads` CPU threads (only when torch is used)."""
        import torch

        torch.set_num_threads(self.threads)
