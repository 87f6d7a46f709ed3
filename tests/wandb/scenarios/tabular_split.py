# Follows wandb/examples colabs/wandb-artifacts/train_val_test_split_with_tabular_data.ipynb (CSV download replaced by generated rows).
# The code keeps the notebook's own style (names like `l`, zip without strict...), hence:
# ruff: noqa: I001, SIM115
import heron.wandb as wandb

import json
import os
from collections import OrderedDict

import numpy as np

PROJECT_NAME = "tabular-splits"
np.random.seed(3)

wandb.login()

column_headings = ["ID", "AGE", "SEX", "K_BLOOD", "LET_IS"]
data_types = [int, int, int, float, int]


def make_split_artifact(run, raw_data_table, train_rows, val_rows, test_rows):
    split_artifact = wandb.Artifact(
        "data-splits", type="dataset", description="Train, validation, test dataset splits"
    )
    data_table_pointer = raw_data_table.get_index()
    split_artifact.add(
        wandb.Table(columns=["source"], data=[[data_table_pointer[i]] for i in train_rows]),
        "train-data",
    )
    split_artifact.add(
        wandb.Table(columns=["source"], data=[[data_table_pointer[i]] for i in val_rows]),
        "val-data",
    )
    split_artifact.add(
        wandb.Table(columns=["source"], data=[[data_table_pointer[i]] for i in test_rows]),
        "test-data",
    )
    run.log_artifact(split_artifact)


with wandb.init(project=PROJECT_NAME, job_type="load-data") as run:
    data_table = wandb.Table(columns=column_headings)
    for index in range(40):
        raw = [
            str(index),
            str(30 + index),
            str(index % 2),
            "" if index % 7 == 0 else str(4.0 + index / 10),
            str(index % 8),
        ]
        row = [data_types[i](entry) if entry != "" else np.nan for i, entry in enumerate(raw)]
        if len(row) == len(column_headings):
            data_table.add_data(*row)
    dataset_artifact = wandb.Artifact(
        "data-library",
        type="dataset",
        description="Table containing the CSV dataset",
        metadata={"filename": "stand-in.csv", "rows": 40},
    )
    dataset_artifact.add(data_table, "data-table")
    run.log_artifact(dataset_artifact)

config = {"train_val_test_split": [0.80, 0.10, 0.10], "num_classes": 8, "batch_size": 20}

with wandb.init(project=PROJECT_NAME, job_type="split-data", config=config) as run:
    raw_data_table = run.use_artifact("data-library:latest").get("data-table")
    num_samples = len(raw_data_table.data)
    shuffled_rows = np.random.choice(np.arange(num_samples), num_samples, replace=False)
    train_rows, val_rows, test_rows = np.split(
        shuffled_rows,
        np.cumsum(
            [num_samples * split for split in config["train_val_test_split"][:-1]], dtype=int
        ),
    )
    make_split_artifact(run, raw_data_table, train_rows, val_rows, test_rows)
print("num train:", len(train_rows), "num val:", len(val_rows), "num test:", len(test_rows))

with wandb.init(project=PROJECT_NAME, job_type="define-transforms", config=config) as run:
    transform_dict = OrderedDict()
    transform_dict["NoneToVal"] = {"value": 0}
    transform_dict["ToTensor"] = {"device": "cpu"}
    transform_dict["OneHot"] = {"num_classes": config["num_classes"]}
    for key_idx, key in enumerate(transform_dict.keys()):
        transform_dict[key]["order"] = key_idx
    data_transform_artifact = wandb.Artifact(
        "data-transforms",
        type="parameters",
        description="Data preprocessing functions and parameters.",
        metadata=transform_dict,
    )
    with data_transform_artifact.new_file("transforms.txt") as f:
        f.write(json.dumps(transform_dict, indent=4))
    run.log_artifact(data_transform_artifact)
config.update(transform_dict)

with wandb.init(project=PROJECT_NAME, job_type="package-data", config=config) as run:
    transform_dir = run.use_artifact("data-transforms:latest").download()
    transform_dict = json.load(
        open(os.path.join(transform_dir, "transforms.txt")), object_pairs_hook=OrderedDict
    )
    split_artifact = run.use_artifact("data-splits:latest")
    sizes = {}
    for split in ("train-data", "val-data", "test-data"):
        table = split_artifact.get(split)
        pointers = table.get_column("source")
        rows = [raw_data_table.data[int(pointer)] for pointer in pointers]
        sizes[split] = len(rows)
    print("transforms", list(transform_dict), "sizes", sizes)
