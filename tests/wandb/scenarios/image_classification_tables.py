# Follows wandb/examples colabs/datasets-predictions/Image_Classification_with_Tables.ipynb (its tracking and tables steps; a tiny Keras model on stand-in photos replaces InceptionV3).
# The code keeps the notebook's own style, hence:
# ruff: noqa: B905, I001
import heron.wandb as wandb

import os
import sys
from random import shuffle

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
from keras.callbacks import Callback
from keras.layers import Dense, Flatten, Input
from keras.models import Model
from PIL import Image as PILImage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _standin import CLASSES, make_nature_folder

SIZE = "TINY"
IMAGES_PER_LABEL = 10
BALANCED_SPLITS = {"train": 6, "val": 2, "test": 2}
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
for label in os.listdir(SRC):
    imgs_per_label = os.path.join(SRC, label)
    if os.path.isdir(imgs_per_label):
        imgs = [i for i in os.listdir(imgs_per_label) if not i.startswith(".DS")]
        shuffle(imgs)
        for f in imgs[:IMAGES_PER_LABEL]:
            raw_data_at.add_file(os.path.join(SRC, label, f), name=label + "/" + f)
run.log_artifact(raw_data_at)
run.finish()

# Step 2: split raw data into balanced train / val / test folders, with a preview table
SPLIT_DATA_AT = "_".join([PREFIX, "80-10-10", str(TOTAL_IMAGES)])
run = wandb.init(project=PROJECT_NAME, job_type="data_split")
data_at = run.use_artifact(RAW_DATA_AT + ":latest")
data_dir = data_at.download()
data_split_at = wandb.Artifact(SPLIT_DATA_AT, type="balanced_data")
preview_dt = wandb.Table(columns=["id", "image", "label", "split"])
for label in os.listdir(data_dir):
    if label.startswith("."):
        continue
    imgs_per_label = os.listdir(os.path.join(data_dir, label))
    shuffle(imgs_per_label)
    start_id = 0
    for split, count in BALANCED_SPLITS.items():
        for img_file in imgs_per_label[start_id : start_id + count]:
            f_id = img_file.split(".")[0]
            full_path = os.path.join(data_dir, label, img_file)
            data_split_at.add_file(full_path, name=os.path.join(split, label, img_file))
            shown = label if split != "test" else "unknown"
            preview_dt.add_data(f_id, wandb.Image(full_path), shown, split)
        start_id += count
data_split_at.add(preview_dt, "data_split")
run.log_artifact(data_split_at)
run.finish()

# Step 3: train with the split artifact, logging a predictions table after every epoch
NUM_EPOCHS = 2
RUN_NAME = ""
VAL_TABLE_NAME = "predictions"
NUM_TRAIN = BALANCED_SPLITS["train"] * len(CLASSES)
NUM_VAL = BALANCED_SPLITS["val"] * len(CLASSES)
NUM_LOG_BATCHES = 16
TRAIN_DATA_AT = PREFIX + "_80-10-10_" + str(TOTAL_IMAGES)
MODEL_NAME = "iv3_finetuned"
SAVE_MODEL_DIR = "finetune_iv3_keras"

CFG = {
    "num_train": NUM_TRAIN,
    "num_val": NUM_VAL,
    "num_classes": len(CLASSES),
    "fc_size": 16,
    "epochs": NUM_EPOCHS,
    "batch_size": 4,
    "img_width": 12,
    "img_height": 12,
}
max_log_batches = int(np.ceil(float(CFG["num_val"]) / float(CFG["batch_size"])))
CFG["num_log_batches"] = min(max_log_batches, NUM_LOG_BATCHES)


class FolderBatches:
    """Batches of (images scaled to [0, 1], one-hot labels) from class folders, in file order:
    what the notebook's ImageDataGenerator.flow_from_directory hands Keras."""

    def __init__(self, directory, batch_size):
        self.class_indices = {name: i for i, name in enumerate(sorted(os.listdir(directory)))}
        self.filenames = [
            os.path.join(name, file)
            for name in self.class_indices
            for file in sorted(os.listdir(os.path.join(directory, name)))
        ]
        self.directory, self.batch_size = directory, batch_size

    def __len__(self):
        return int(np.ceil(len(self.filenames) / self.batch_size))

    def __getitem__(self, index):
        names = self.filenames[index * self.batch_size : (index + 1) * self.batch_size]
        images = [np.asarray(PILImage.open(os.path.join(self.directory, n))) / 255.0 for n in names]
        labels = np.eye(len(self.class_indices))[
            [self.class_indices[n.split(os.sep)[0]] for n in names]
        ]
        return np.stack(images).astype("float32"), labels.astype("float32")

    def arrays(self):
        batches = [self[i] for i in range(len(self))]
        return np.vstack([b[0] for b in batches]), np.vstack([b[1] for b in batches])


def finetune_model(fc_size, num_classes):
    """A small classifier standing in for InceptionV3 with a fine-tuning top."""
    inputs = Input((CFG["img_height"], CFG["img_width"], 3))
    x = Dense(fc_size, activation="relu")(Flatten()(inputs))
    guesses = Dense(num_classes, activation="softmax")(x)
    model = Model(inputs=inputs, outputs=guesses)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


class ValLog(Callback):
    """Logs the validation images with the model's guesses at the end of each epoch."""

    def __init__(self, generator=None, num_log_batches=1):
        super().__init__()
        self.generator = generator
        self.num_batches = num_log_batches
        self.flat_class_names = [k for k, v in generator.class_indices.items()]

    def on_epoch_end(self, epoch, logs=None):
        val_data, val_labels = zip(*(self.generator[i] for i in range(self.num_batches)))
        val_data, val_labels = np.vstack(val_data), np.vstack(val_labels)
        val_preds = self.model.predict(val_data, verbose=0)
        true_ids = val_labels.argmax(axis=1)
        max_preds = val_preds.argmax(axis=1)

        columns = ["id", "image", "guess", "truth"]
        for a in self.flat_class_names:
            columns.append("score_" + a)
        predictions_table = wandb.Table(columns=columns)
        for filepath, img, top_guess, scores, truth in zip(
            self.generator.filenames, val_data, max_preds, val_preds, true_ids, strict=False
        ):
            img_id = filepath.split("/")[-1].split(".")[0]
            row = [
                img_id,
                wandb.Image(img),
                self.flat_class_names[top_guess],
                self.flat_class_names[truth],
            ]
            for s in scores.tolist():
                row.append(np.round(s, 4))
            predictions_table.add_data(*row)
        wandb.run.log({VAL_TABLE_NAME: predictions_table})


def train():
    run = wandb.init(project=PROJECT_NAME, name=RUN_NAME, job_type="train", config=CFG)
    cfg = wandb.config

    data_at = TRAIN_DATA_AT + ":latest"
    data = run.use_artifact(data_at, type="balanced_data")
    data_dir = data.download()
    train_dir = os.path.join(data_dir, "train")
    val_dir = os.path.join(data_dir, "val")
    train_generator = FolderBatches(train_dir, cfg.batch_size)
    val_generator = FolderBatches(val_dir, cfg.batch_size)

    model = finetune_model(cfg.fc_size, cfg.num_classes)
    callbacks = [ValLog(val_generator, cfg.num_log_batches)]
    train_x, train_y = train_generator.arrays()
    model.fit(
        train_x,
        train_y,
        batch_size=cfg.batch_size,
        epochs=cfg.epochs,
        validation_data=val_generator.arrays(),
        callbacks=callbacks,
        verbose=0,
    )

    trained_model_artifact = wandb.Artifact(
        MODEL_NAME, type="model", description="finetuned inception v3", metadata=dict(cfg)
    )
    os.makedirs(SAVE_MODEL_DIR, exist_ok=True)
    model.save(os.path.join(SAVE_MODEL_DIR, "model.keras"))
    trained_model_artifact.add_dir(SAVE_MODEL_DIR)
    run.log_artifact(trained_model_artifact)
    run.finish()


train()

# Step 4: load the model for inference and log the test results as a table
RUN_NAME = ""
TEST_TABLE_NAME = "test_results"
TEST_DATA_AT = "_".join([PREFIX, "80-10-10", str(TOTAL_IMAGES)])

run = wandb.init(project=PROJECT_NAME, job_type="inference", name=RUN_NAME)
model_at = run.use_artifact(MODEL_NAME + ":latest")
model_dir = model_at.download()
model = keras.models.load_model(os.path.join(model_dir, "model.keras"))

test_data_at = run.use_artifact(TEST_DATA_AT + ":latest")
test_dir = test_data_at.download()
test_dir += "/test/"

class_names = sorted(CLASSES)
imgs = []
filenames = []
truth = []
for label in os.listdir(test_dir):
    if label.startswith("."):
        continue
    for img in os.listdir(os.path.join(test_dir, label)):
        filenames.append(img.split(".")[0])
        truth.append(label)
        img = np.asarray(PILImage.open(os.path.join(test_dir, label, img)), dtype="float32")
        imgs.append(np.expand_dims(img / 255.0, axis=0))

preds = {}
imgs = np.vstack(imgs)
classes = model.predict(imgs, batch_size=32, verbose=0)
for c in classes:
    class_id = np.argmax(c)
    preds[class_id] = preds.get(class_id, 0) + 1

columns = ["id", "image", "guess", "truth"]
for a in class_names:
    columns.append("score_" + a)
test_dt = wandb.Table(columns=columns)
for img_id, i, t, c in zip(filenames, imgs, truth, classes, strict=True):
    guess = class_names[np.argmax(c)]
    row = [img_id, wandb.Image(i), guess, t]
    for c_i in c.tolist():
        row.append(np.round(c_i, 4))
    test_dt.add_data(*row)

run.log({TEST_TABLE_NAME: test_dt})
run.finish()
