# Follows wandb/examples colabs/wandb-artifacts/Artifacts_Quickstart_with_W&B.ipynb (Keras training replaced by small files).
# The code keeps the notebook's own style (names like `l`, zip without strict...), hence:
# ruff: noqa: B007, E741, I001
import heron.wandb as wandb

import os
import pathlib
import sys
from random import shuffle

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _standin import CLASSES, make_nature_folder

IMAGES_PER_LABEL = 10
BALANCED_SPLITS = {"train": 8, "val": 1, "test": 1}
DATA_SRC = make_nature_folder("nature_stand_in", IMAGES_PER_LABEL)

wandb.login()

SRC = DATA_SRC
TOTAL_IMAGES = IMAGES_PER_LABEL * len(CLASSES)
PROJECT_NAME = "artifacts_demo"
PREFIX = "inat"

# Step 1: upload raw data
RAW_DATA_AT = "_".join([PREFIX, "raw_data", str(TOTAL_IMAGES)])
run = wandb.init(project=PROJECT_NAME, job_type="upload")
raw_data_at = wandb.Artifact(RAW_DATA_AT, type="raw_data")
labels = os.listdir(SRC)
for l in labels:
    imgs_per_label = os.path.join(SRC, l)
    if os.path.isdir(imgs_per_label):
        imgs = os.listdir(imgs_per_label)
        shuffle(imgs)
        img_file_ids = imgs[:IMAGES_PER_LABEL]
        for f in img_file_ids:
            file_path = os.path.join(SRC, l, f)
            raw_data_at.add_file(file_path, name=l + "/" + f)
run.log_artifact(raw_data_at)
run.finish()

# Step 2: prepare a data split
run = wandb.init(project=PROJECT_NAME, job_type="data_split")
data_at = run.use_artifact(RAW_DATA_AT + ":latest")
data_dir = data_at.download()
DATA_SPLITS = BALANCED_SPLITS
ats = {}
for split, count in DATA_SPLITS.items():
    ats[split] = wandb.Artifact(
        "_".join([PREFIX, split, "data", str(count * len(CLASSES))]), "_".join([split, "data"])
    )
labels = os.listdir(data_dir)
for l in labels:
    if l.startswith("."):
        continue
    imgs_per_label = os.listdir(os.path.join(data_dir, l))
    shuffle(imgs_per_label)
    start_id = 0
    for split, count in DATA_SPLITS.items():
        split_imgs = imgs_per_label[start_id : start_id + count]
        for img_file in split_imgs:
            full_path = os.path.join(data_dir, l, img_file)
            ats[split].add_file(full_path, name=os.path.join(l, img_file))
        start_id += count
for split, artifact in ats.items():
    run.log_artifact(artifact)
run.finish()

# Step 3: train with artifacts and save the model
NUM_TRAIN = BALANCED_SPLITS["train"] * len(CLASSES)
NUM_VAL = BALANCED_SPLITS["val"] * len(CLASSES)
MODEL_NAME = "iv3_trained"
INIT_MODEL_DIR = "init_model_keras_iv3.keras"
FINAL_MODEL_DIR = "trained_keras_model_iv3.keras"
config_defaults = {
    "num_train": NUM_TRAIN,
    "num_val": NUM_VAL,
    "epochs": 1,
    "num_classes": len(CLASSES),
    "fc_size": 1024,
    "img_width": 299,
    "img_height": 299,
    "batch_size": 32,
}


def train():
    run = wandb.init(project=PROJECT_NAME, job_type="train", config=config_defaults)
    cfg = wandb.config
    train_at = os.path.join(PROJECT_NAME, PREFIX + "_train_data_" + str(NUM_TRAIN)) + ":latest"
    val_at = os.path.join(PROJECT_NAME, PREFIX + "_val_data_" + str(NUM_VAL)) + ":latest"
    train_data = run.use_artifact(train_at, type="train_data")
    train_dir = train_data.download()
    val_data = run.use_artifact(val_at, type="val_data")
    val_dir = val_data.download()
    seen = sum(len(files) for _, _, files in os.walk(train_dir))
    assert seen == cfg.num_train, (seen, cfg.num_train)
    assert sum(len(files) for _, _, files in os.walk(val_dir)) == cfg.num_val

    model_artifact = wandb.Artifact(
        "iv3", type="model", description="unmodified inception v3", metadata=dict(cfg)
    )
    pathlib.Path(INIT_MODEL_DIR).write_text("untrained weights")
    model_artifact.add_file(INIT_MODEL_DIR)
    run.log_artifact(model_artifact)
    for epoch in range(cfg.epochs):
        wandb.log({"epoch": epoch, "loss": 1.0 / (epoch + 1), "accuracy": 0.5})

    trained_model_artifact = wandb.Artifact(
        MODEL_NAME, type="model", description="trained inception v3", metadata=dict(cfg)
    )
    pathlib.Path(FINAL_MODEL_DIR).write_text(f"weights trained on {seen} images")
    trained_model_artifact.add_file(FINAL_MODEL_DIR)
    run.log_artifact(trained_model_artifact)
    run.finish()


train()

# Step 4: load the model for inference
run = wandb.init(project=PROJECT_NAME, job_type="inference")
model_at = run.use_artifact(MODEL_NAME + ":latest")
artifact_dir = pathlib.Path(model_at.download())
print("artifact directory:", artifact_dir)
model_path = artifact_dir / "trained_keras_model_iv3.keras"
model = model_path.read_text()
print("loaded model from", model_path)

TEST_DATA_AT = PREFIX + "_test_data_" + str(BALANCED_SPLITS["test"] * len(CLASSES)) + ":latest"
test_data_at = run.use_artifact(TEST_DATA_AT)
test_dir = test_data_at.download()
imgs = []
class_labels = os.listdir(test_dir)
for l in class_labels:
    if l.startswith("."):
        continue
    imgs_per_class = os.listdir(os.path.join(test_dir, l))
    for img in imgs_per_class:
        img_path = os.path.join(test_dir, l, img)
        imgs.append(img_path)
preds = {}
for index, _ in enumerate(imgs):
    class_id = index % len(CLASSES)
    preds[class_id] = preds.get(class_id, 0) + 1
print(preds)
run.finish()
print("model", model)
