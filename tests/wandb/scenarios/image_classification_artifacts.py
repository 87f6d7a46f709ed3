# Follows wandb/examples colabs/datasets-predictions/Image_Classification_with_Tables.ipynb (its artifact steps; Keras replaced by a stand-in model).
# The code keeps the notebook's own style (names like `l`, zip without strict...), hence:
# ruff: noqa: B905, E402, E741, I001
import heron.wandb as wandb

import os
import sys
from random import shuffle

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _standin import CLASSES, make_nature_folder

SIZE = "TINY"
IMAGES_PER_LABEL = 10
BALANCED_SPLITS = {"train": 8, "val": 1, "test": 1}
DATA_SRC = make_nature_folder("nature_stand_in", IMAGES_PER_LABEL)

wandb.login()

SRC = DATA_SRC
PREFIX = "inat"
PROJECT_NAME = "nature_photos"
TOTAL_IMAGES = IMAGES_PER_LABEL * len(CLASSES)

# Step 1: upload raw data
RAW_DATA_AT = "_".join([PREFIX, "raw_data", str(TOTAL_IMAGES)])
run = wandb.init(project=PROJECT_NAME, job_type="upload")
raw_data_at = wandb.Artifact(RAW_DATA_AT, type="raw_data")
labels = os.listdir(SRC)
for l in labels:
    imgs_per_label = os.path.join(SRC, l)
    if os.path.isdir(imgs_per_label):
        imgs = [i for i in os.listdir(imgs_per_label) if not i.startswith(".DS")]
        shuffle(imgs)
        img_file_ids = imgs[:IMAGES_PER_LABEL]
        for f in img_file_ids:
            file_path = os.path.join(SRC, l, f)
            raw_data_at.add_file(file_path, name=l + "/" + f)
run.log_artifact(raw_data_at)
run.finish()

# Step 2: split raw data, with a preview table in the split artifact
SPLIT_DATA_AT = "_".join([PREFIX, "80-10-10", str(TOTAL_IMAGES)])
run = wandb.init(project=PROJECT_NAME, job_type="data_split")
SPLIT_COUNTS = BALANCED_SPLITS
data_at = run.use_artifact(RAW_DATA_AT + ":latest")
data_dir = data_at.download()
data_split_at = wandb.Artifact(SPLIT_DATA_AT, type="balanced_data")
preview_dt = wandb.Table(columns=["id", "image", "label", "split"])
labels = os.listdir(data_dir)
for l in labels:
    if l.startswith("."):
        continue
    imgs_per_label = os.listdir(os.path.join(data_dir, l))
    shuffle(imgs_per_label)
    start_id = 0
    for split, count in SPLIT_COUNTS.items():
        split_imgs = imgs_per_label[start_id : start_id + count]
        for img_file in split_imgs:
            f_id = img_file.split(".")[0]
            full_path = os.path.join(data_dir, l, img_file)
            data_split_at.add_file(full_path, name=os.path.join(split, l, img_file))
            if SIZE == "LARGE":
                continue
            if split != "test":
                preview_dt.add_data(f_id, wandb.Image(full_path), l, split)
            else:
                preview_dt.add_data(f_id, wandb.Image(full_path), "unknown", split)
        start_id += count
data_split_at.add(preview_dt, "data_split")
run.log_artifact(data_split_at)
run.finish()
del data_split_at
del preview_dt

# Step 3: train with the split artifact and save the model
TRAIN_DATA_AT = PREFIX + "_80-10-10_" + str(TOTAL_IMAGES)
MODEL_NAME = "iv3_finetuned"
SAVE_MODEL_DIR = "finetune_iv3_keras"
CFG = {
    "num_train": BALANCED_SPLITS["train"] * len(CLASSES),
    "num_classes": len(CLASSES),
    "epochs": 1,
}


def train():
    run = wandb.init(project=PROJECT_NAME, name="", job_type="train", config=CFG)
    cfg = wandb.config
    data_at = TRAIN_DATA_AT + ":latest"
    data = run.use_artifact(data_at, type="balanced_data")
    data_dir = data.download()
    train_dir = os.path.join(data_dir, "train")
    val_dir = os.path.join(data_dir, "val")
    assert sum(len(files) for _, _, files in os.walk(train_dir)) == cfg.num_train
    assert sorted(os.listdir(val_dir)) == sorted(CLASSES)
    os.makedirs(os.path.join(SAVE_MODEL_DIR, "variables"), exist_ok=True)
    with open(os.path.join(SAVE_MODEL_DIR, "saved_model.pb"), "w") as handle:
        handle.write("graph")
    with open(os.path.join(SAVE_MODEL_DIR, "variables", "variables.index"), "w") as handle:
        handle.write("weights")
    trained_model_artifact = wandb.Artifact(
        MODEL_NAME, type="model", description="finetuned inception v3", metadata=dict(cfg)
    )
    trained_model_artifact.add_dir(SAVE_MODEL_DIR)
    run.log_artifact(trained_model_artifact)
    run.finish()


train()

# Step 4: load the model for inference and log the test results
TEST_TABLE_NAME = "test_results"
TEST_DATA_AT = "_".join([PREFIX, "80-10-10", str(TOTAL_IMAGES)])
run = wandb.init(project=PROJECT_NAME, job_type="inference", name="")
model_at = run.use_artifact(MODEL_NAME + ":latest")
model_dir = model_at.download()
print("model: ", model_dir)
assert os.path.exists(os.path.join(model_dir, "variables", "variables.index"))
test_data_at = run.use_artifact(TEST_DATA_AT + ":latest")
test_dir = test_data_at.download()
test_dir += "/test/"
class_names = CLASSES
imgs = []
filenames = []
class_labels = os.listdir(test_dir)
truth = []
from PIL import Image as PILImage

for l in class_labels:
    if l.startswith("."):
        continue
    imgs_per_class = os.listdir(os.path.join(test_dir, l))
    for img in imgs_per_class:
        filenames.append(img.split(".")[0])
        truth.append(l)
        img_path = os.path.join(test_dir, l, img)
        imgs.append(np.asarray(PILImage.open(img_path), dtype=np.float32) / 255.0)
imgs = np.stack(imgs)
classes = np.full((len(imgs), len(class_names)), 0.1)
classes[:, 0] = 0.6
columns = ["id", "image", "guess", "truth"]
for a in class_names:
    columns.append("score_" + a)
test_dt = wandb.Table(columns=columns)
for img_id, i, t, c in zip(filenames, imgs, truth, classes):
    guess = class_names[np.argmax(c)]
    row = [img_id, wandb.Image(i), guess, t]
    for c_i in c.tolist():
        row.append(np.round(c_i, 4))
    test_dt.add_data(*row)
run.log({TEST_TABLE_NAME: test_dt})
run.finish()

# Reading the preview table back from the split artifact, as the walkthrough's later steps do.
api = wandb.Api()
preview = api.artifact(f"{PROJECT_NAME}/{SPLIT_DATA_AT}:latest").get("data_split")
print("preview rows", len(preview.data))
