# Follows wandb/examples colabs/keras/Use_WandbModelCheckpoint_in_your_Keras_workflow.ipynb (Fashion-MNIST from tfds
# replaced by random 28x28 stand-in images served by a keras.utils.PyDataset; MobileNetV2 by a tiny conv net on
# Keras 3's torch backend). Only the W&B import lines differ from a W&B script.
# The code keeps the notebook's own style, hence:
# ruff: noqa: I001
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import keras
from keras import layers, models

import heron.wandb as wandb
from heron.wandb.keras import WandbMetricsLogger
from heron.wandb.keras import WandbModelCheckpoint

wandb.login()

configs = dict(
    num_classes=10,
    shuffle_buffer=1024,
    batch_size=16,
    image_size=28,
    image_channels=1,
    earlystopping_patience=3,
    learning_rate=1e-3,
    epochs=2,
)


class StandInLoader(keras.utils.PyDataset):
    """Batches of random uint8 28x28x1 images with one-hot labels, as the notebook's loaders give."""

    def __init__(self, count, seed, configs):
        super().__init__()
        generator = np.random.default_rng(seed)
        self.images = generator.integers(0, 255, (count, 28, 28, 1), dtype=np.uint8)
        labels = generator.integers(0, configs["num_classes"], count)
        self.labels = np.eye(configs["num_classes"], dtype=np.float32)[labels]
        self.batch_size = configs["batch_size"]

    def __len__(self):
        return len(self.images) // self.batch_size

    def __getitem__(self, index):
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.images[batch], self.labels[batch]


trainloader = StandInLoader(64, seed=0, configs=configs)
validloader = StandInLoader(32, seed=1, configs=configs)


def get_model(configs):
    inputs = layers.Input(
        shape=(configs["image_size"], configs["image_size"], configs["image_channels"])
    )
    rescale = layers.Rescaling(1 / 255)(inputs)
    x = layers.Conv2D(4, (3, 3), padding="same", activation="relu")(rescale)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(configs["num_classes"], activation="softmax")(x)
    return models.Model(inputs=inputs, outputs=outputs)


keras.utils.set_random_seed(0)
model = get_model(configs)

model.compile(
    optimizer="adam",
    loss="categorical_crossentropy",
    metrics=["accuracy", keras.metrics.TopKCategoricalAccuracy(k=5, name="top@5_accuracy")],
)

# Initialize a W&B run
run = wandb.init(project="intro-keras", config=configs)

# Train your model
model.fit(
    trainloader,
    epochs=configs["epochs"],
    validation_data=validloader,
    verbose=0,
    callbacks=[
        WandbMetricsLogger(log_freq=10),
        WandbModelCheckpoint(filepath="models/"),  # Notice the use of WandbModelCheckpoint here
    ],
)

# Close the W&B run
run.finish()
