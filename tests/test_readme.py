"""The README's Python examples run as written (with the data they assume)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HERON_DIR", raising=False)
    pets = tmp_path / "data" / "pets"
    for label in ("cat", "dog"):
        (pets / label).mkdir(parents=True)
        for i in range(3):
            (pets / label / f"{i}.txt").write_text(f"{label} {i}")
    rng = np.random.default_rng(0)

    def validation_batch() -> list[tuple[int, object, object, str]]:
        rows = []
        for i in range(6):
            probs = rng.dirichlet([1.0, 1.0])
            pixels = rng.integers(0, 255, size=(16, 16, 3), dtype=np.uint8)
            rows.append((i, pixels, probs, ["cat", "dog"][i % 2]))
        return rows

    namespace: dict[str, object] = {"validation_batch": validation_batch}
    blocks = _python_blocks()
    assert len(blocks) == 3
    monkeypatch.setenv("WANDB_SILENT", "true")
    for variable in ("WANDB_MODE", "WANDB_PROJECT", "WANDB_DIR"):
        monkeypatch.delenv(variable, raising=False)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    history = namespace["r"].history()  # type: ignore[attr-defined]
    assert history["_step"].tolist() == [0, 1, 2, 3, 4]
    assert len(namespace["preds"]) == 6  # type: ignore[arg-type]
    assert (tmp_path / "heron-data").is_dir()
    import heron

    ported = [r for r in heron.Api(tmp_path / "heron-data").runs("nature") if "epochs" in r.config]
    assert len(ported) == 1 and ported[0].config["fc_size"] == 1024
    assert ported[0].summary["acc"] == 0.8
    assert ported[0].table("predictions").to_pandas()["guess"].tolist() == ["Fungi"]
