# Follows wandb/examples colabs/keras/Use_WandbEvalCallback_in_your_Keras_workflow.ipynb (Fashion-MNIST from tfds
# replaced by random 28x28 stand-in images; tf.data pipelines by numpy arrays; MobileNetV2 by a tiny conv net on
# Keras 3's torch backend). Only the W&B import lines differ from a W&B script.
# The code keeps the notebook's own style, hence:
# ruff: noqa: B007, B905, F401, I001
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import keras
from keras import layers, models

import heron.wandb as wandb
from heron.wandb.keras import WandbMetricsLogger
from heron.wandb.keras import WandbModelCheckpoint  # imported by the notebook, not used
from heron.wandb.keras import WandbEvalCallback

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


def stand_in_split(count, seed):
    """Random uint8 28x28x1 images with one-hot labels, as the notebook's parse_data yields."""
    generator = np.random.default_rng(seed)
    images = generator.integers(0, 255, (count, 28, 28, 1), dtype=np.uint8)
    labels = generator.integers(0, configs["num_classes"], count)
    return images, np.eye(configs["num_classes"], dtype=np.float32)[labels]


trainloader = stand_in_split(64, seed=0)
validloader = stand_in_split(24, seed=1)


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


class WandbClfEvalCallback(WandbEvalCallback):
    def __init__(self, validloader, data_table_columns, pred_table_columns, num_samples=100):
        super().__init__(data_table_columns, pred_table_columns)

        images, labels = validloader
        self.val_data = list(zip(images, labels))[:num_samples]

    def add_ground_truth(self, logs=None):
        for idx, (image, label) in enumerate(self.val_data):
            self.data_table.add_data(idx, wandb.Image(image), np.argmax(label, axis=-1))

    def add_model_predictions(self, epoch, logs=None):
        # Get predictions
        preds = self._inference()
        table_idxs = self.data_table_ref.get_index()

        for idx in table_idxs:
            pred = preds[idx]
            self.pred_table.add_data(
                epoch,
                self.data_table_ref.data[idx][0],
                self.data_table_ref.data[idx][1],
                self.data_table_ref.data[idx][2],
                pred,
            )

    def _inference(self):
        preds = []
        for image, label in self.val_data:
            pred = self.model(np.expand_dims(image, axis=0))
            argmax_pred = int(keras.ops.argmax(pred, axis=-1)[0])
            preds.append(argmax_pred)

        return preds


# Initialize a W&B run
run = wandb.init(project="intro-keras", config=configs)

# Train your model
model.fit(
    trainloader[0],
    trainloader[1],
    batch_size=configs["batch_size"],
    epochs=configs["epochs"],
    validation_data=validloader,
    verbose=0,
    callbacks=[
        WandbMetricsLogger(log_freq=10),
        WandbClfEvalCallback(
            validloader,
            data_table_columns=["idx", "image", "ground_truth"],
            pred_table_columns=["epoch", "idx", "image", "ground_truth", "prediction"],
        ),  # Notice the use of WandbEvalCallback here
    ],
)

# Close the W&B run
run.finish()
