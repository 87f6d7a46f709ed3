# Follows wandb/examples colabs/wandb-artifacts/Artifact_fundamentals.ipynb.
# The code keeps the notebook's own style (names like `l`, zip without strict...), hence:
# ruff: noqa: B905, E402, I001
import heron.wandb as wandb

import csv
import os

import numpy as np

wandb.login()

directory = "dataset"
os.makedirs(directory, exist_ok=True)
file1, file2 = os.path.join(directory, "file1.csv"), os.path.join(directory, "file2.csv")


def generate_dummy_data(num_samples):
    data = [
        np.random.normal(50, 10, num_samples),
        np.random.randint(1, 100, num_samples),
        np.random.choice(["A", "B", "C", "D"], num_samples),
        np.random.uniform(0.0, 1.0, num_samples),
    ]
    return zip(*data)


def save_to_csv(file, data):
    with open(file, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["feature1", "feature2", "feature3", "feature4"])
        writer.writerows(data)


num_samples = 100
save_to_csv(file1, generate_dummy_data(num_samples))
save_to_csv(file2, generate_dummy_data(num_samples))

# Create an artifact from a path.
run = wandb.init(project="artifact-basics")
run.log_artifact(
    artifact_or_path=f"{directory}/file1.csv", name="my_first_artifact", type="dataset"
)
run.finish()

# The longer way, with add_file and add_dir.
run = wandb.init(project="artifact-basics")
artifact = wandb.Artifact("my_first_artifact", type="dataset")
artifact.add_file(local_path=f"{directory}/file1.csv")
artifact.add_file(local_path=f"{directory}/file2.csv")
artifact.add_dir(local_path=f"{directory}")
run.log_artifact(artifact)
wandb.finish()

# Use an artifact.
run = wandb.init(project="artifact-basics")
artifact = run.use_artifact(artifact_or_name="my_first_artifact:latest")
path = artifact.download()
print(f"Data directory located at {path}")
run.finish()

# Create a new version: a subsample of the first file.
import pandas

df = pandas.read_csv(f"{directory}/file1.csv")
df_subsampled = df.sample(frac=0.5, random_state=1)
df_subsampled.to_csv(f"{directory}/file1.csv", index=False)
run = wandb.init(project="artifact-basics")
run.log_artifact(
    artifact_or_path=f"{directory}/file1.csv",
    name="my_first_artifact",
    type="dataset",
    aliases=["subsampled"],
)
run.finish()

# Update a version's description and metadata.
run = wandb.init(project="artifact-basics")
artifact = run.use_artifact(artifact_or_name="my_first_artifact:subsampled")
artifact.description = "This is an edited description."
artifact.metadata = {"source": "local disk", "internal data owner": "platform team"}
artifact.save()
run.finish()

# Use the artifact within a pipeline.
run = wandb.init(project="artifact-basics")
artifact = run.use_artifact(artifact_or_name="my_first_artifact:latest")
run.finish()
