"""Table references: a run's table (key, step) and an artifact's table, found in a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

import heron
from heron.errors import NotFoundError, UsageError
from heron.query import Query, TableSource
from heron.query.references import (
    ArtifactTableRef,
    TableRef,
    resolve_table,
    resolve_tables,
    table_reference,
)
from heron.store.store import Store


def _predictions(epoch: int) -> heron.Table:
    guesses = ["Aves", "Fungi", "Aves"] if epoch == 0 else ["Aves", "Fungi", "Fungi"]
    return heron.Table(
        columns=["id", "truth", "guess"],
        data=[
            [i, truth, guess]
            for i, (truth, guess) in enumerate(zip(["Aves"] * 3, guesses, strict=True))
        ],
    )


@pytest.fixture
def logged(store_dir: Path) -> tuple[Store, str]:
    """A run named "train" that logged predictions at steps 0 and 1 and an artifact holding one."""
    with heron.init(project="nature", name="train") as run:
        run.log({"predictions": _predictions(0)}, step=0)
        run.log({"predictions": _predictions(1)}, step=1)
        artifact = heron.Artifact("preds", type="predictions")
        artifact.add(_predictions(0), "test_predictions")
        run.log_artifact(artifact, aliases=["best"])
        run_id = run.id
    return Store.open(store_dir), run_id


def _guesses(source: TableSource) -> list[str]:
    return list(Query(source).sort("id").to_arrow().column("guess").to_pylist())


def test_a_runs_table_is_found_at_its_latest_step_or_the_step_asked(
    logged: tuple[Store, str],
) -> None:
    store, run_id = logged
    latest = resolve_table(store, TableRef(run_id=run_id, key="predictions"), project="nature")
    assert latest.step == 1 and latest.steps == (0, 1)
    assert latest.run_id == run_id and latest.owner == "train"
    assert latest.label == f"nature/{run_id}/predictions@1"
    assert _guesses(latest.source()) == ["Aves", "Fungi", "Fungi"]

    first = resolve_table(store, TableRef(run_id=run_id, key="predictions", step=0))
    assert first.step == 0 and _guesses(first.source()) == ["Aves", "Fungi", "Aves"]
    assert first.source(label="train").label == "train"


def test_an_artifacts_table_is_found_by_version_alias_and_stored_path(
    logged: tuple[Store, str],
) -> None:
    store, _ = logged
    found = resolve_tables(
        store,
        [
            ArtifactTableRef(artifact="preds:v0", name="test_predictions"),
            ArtifactTableRef(artifact="preds:best", name="test_predictions.table.parquet"),
            ArtifactTableRef(artifact="nature/preds:latest", name="test_predictions"),
        ],
        project="nature",
    )
    assert {table.record.id for table in found} == {found[0].record.id}
    assert found[0].run is None and found[0].step is None and found[0].owner == "preds:v0"
    assert found[0].label == "nature/preds:v0/test_predictions"
    assert _guesses(found[1].source()) == ["Aves", "Fungi", "Aves"]


def test_what_is_missing_is_named(logged: tuple[Store, str]) -> None:
    store, run_id = logged
    cases: list[tuple[TableRef | ArtifactTableRef, str]] = [
        (
            TableRef(run_id="gone1234", key="predictions"),
            "no run 'gone1234' in project 'nature': it no longer exists",
        ),
        (
            TableRef(run_id=run_id, key="preds"),
            f"run nature/{run_id} has no table 'preds'; its tables: ['predictions']",
        ),
        (
            TableRef(run_id=run_id, key="predictions", step=7),
            "has no table 'predictions' at step 7; steps: [0, 1]",
        ),
        (
            ArtifactTableRef(artifact="preds:v0", name="val_predictions"),
            "nature/preds:v0 has no table 'val_predictions'",
        ),
        (ArtifactTableRef(artifact="preds:v9", name="test_predictions"), "v9"),
    ]
    for reference, message in cases:
        with pytest.raises(NotFoundError) as caught:
            resolve_table(store, reference, project="nature")
        assert message in caught.value.message, reference
    with pytest.raises(NotFoundError):
        resolve_table(store, TableRef(run_id=run_id, key="predictions"), project="elsewhere")


def test_a_saved_reference_is_read_back_or_its_wrong_field_named() -> None:
    assert table_reference({"run_id": "r1", "key": "predictions", "step": None}) == TableRef(
        run_id="r1", key="predictions"
    )
    assert table_reference({"artifact": "preds:v0", "name": "t"}) == ArtifactTableRef(
        artifact="preds:v0", name="t"
    )
    with pytest.raises(UsageError, match="key"):
        table_reference({"run_id": "r1", "key": None})
    with pytest.raises(UsageError, match="step"):
        table_reference({"run_id": "r1", "key": "predictions", "step": -1})
    with pytest.raises(UsageError, match="name"):
        table_reference({"artifact": "preds:v0"})
