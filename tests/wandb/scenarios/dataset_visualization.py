# Follows wandb/examples colabs/datasets-predictions/W&B_Dataset_Visualization.ipynb (the BDD driving photos and util.py replaced by small stand-in scenes).
# The code keeps the notebook's own style, hence:
# ruff: noqa: I001, RUF005
import heron.wandb as wandb

import pickle

import numpy as np

# -- stand-in for the notebook's util.py: tiny scenes of three classes -------------------------
BDD_CLASSES = ["road", "car", "sky"]
BDD_IDS = [0, 1, 2]
n_classes = len(BDD_CLASSES)
train_ids = [f"scene_{i:03d}" for i in range(20)]


def get_scaled_mask_label(ndx, scale_factor):
    """A mask of class ids: sky on top, road below, a car whose place depends on ``ndx``."""
    size = 8 * scale_factor
    mask = np.zeros((size, size), np.uint8)
    mask[: size // 2] = 2
    left = (ndx * 3) % (size - 4)
    mask[size // 2 : size // 2 + 3, left : left + 4] = 1
    return mask


def get_scaled_train_image(ndx, scale_factor):
    """An RGB picture of the scene: each class its own colour, with a little noise."""
    colours = np.array([[90, 90, 90], [200, 30, 30], [120, 170, 240]], np.uint8)
    noise = np.random.default_rng(ndx).integers(0, 20, (8 * scale_factor, 8 * scale_factor, 3))
    return (colours[get_scaled_mask_label(ndx, scale_factor)] + noise).astype(np.uint8)


def get_scaled_color_mask(ndx, scale_factor):
    return np.array([[0, 0, 0], [255, 0, 0], [0, 0, 255]], np.uint8)[
        get_scaled_mask_label(ndx, scale_factor)
    ]


def mask_to_bounding(mask):
    """One box per class present, enclosing all its pixels (relative coordinates)."""
    boxes = []
    height, width = mask.shape
    for class_id in np.unique(mask):
        ys, xs = np.nonzero(mask == class_id)
        boxes.append(
            {
                "position": {
                    "minX": xs.min() / width,
                    "maxX": (xs.max() + 1) / width,
                    "minY": ys.min() / height,
                    "maxY": (ys.max() + 1) / height,
                },
                "class_id": int(class_id),
            }
        )
    return boxes


def get_scaled_bounding_boxes(ndx, scale_factor):
    return mask_to_bounding(get_scaled_mask_label(ndx, scale_factor))


def get_dominant_class(mask):
    return BDD_CLASSES[int(np.bincount(mask.ravel()).argmax())]


def get_dominant_id_ndx(mask):
    return int(np.bincount(mask.ravel(), minlength=n_classes).argmax())


def make_datasets(table, n_classes):
    """The pictures and their ground-truth masks; util.py reads them from W&B's private image
    fields, heron images give them as to_numpy() and masks."""
    images = [row[1].to_numpy() for row in table.data]
    masks = [row[1].masks[0] for row in table.data]
    return images, masks


class ExampleSegmentationModel:
    """Labels each pixel with the class whose mean colour is nearest."""

    def __init__(self, n_classes):
        self.n_classes = n_classes
        self.means = None

    def train(self, images, masks):
        pixels = np.concatenate([i.reshape(-1, 3) for i in images]).astype(float)
        labels = np.concatenate([m.ravel() for m in masks])
        self.means = np.stack([pixels[labels == c].mean(axis=0) for c in range(self.n_classes)])

    def predict(self, image):
        distance = ((image[:, :, None, :].astype(float) - self.means) ** 2).sum(axis=-1)
        return distance.argmin(axis=-1).astype(np.uint8)

    def save(self, path):
        with open(path, "wb") as handle:
            pickle.dump(self.means, handle)

    @classmethod
    def load(cls, path):
        model = cls(n_classes)
        with open(path, "rb") as handle:
            model.means = pickle.load(handle)
        return model


def score_model(model, images, masks, n_classes):
    """Per image: the IoU of each class, and the predicted mask."""
    scores, results = [], []
    for image, mask in zip(images, masks, strict=True):
        predicted = model.predict(image)
        ious = []
        for c in range(n_classes):
            union = np.logical_or(predicted == c, mask == c).sum()
            ious.append(
                float(np.logical_and(predicted == c, mask == c).sum() / union) if union else 1.0
            )
        scores.append(ious)
        results.append(predicted)
    return scores, results


# -- the notebook's steps ------------------------------------------------------------------------
WANDB_PROJECT = "dsviz-demo-colab"
NUM_EXAMPLES = 20
wandb.login()

# Step 1: build the dataset
with wandb.init(
    project=WANDB_PROJECT,
    job_type="create_dataset",
    config={"num_examples": NUM_EXAMPLES, "scale_factor": 2},
) as run:
    class_set = wandb.Classes(
        [{"name": name, "id": id} for name, id in zip(BDD_CLASSES, BDD_IDS, strict=True)]
    )
    table = wandb.Table(
        columns=["id", "train_image", "colored_image", "label_mask", "dominant_class"]
    )
    for ndx in range(run.config["num_examples"]):
        example = wandb.Image(
            get_scaled_train_image(ndx, run.config.scale_factor),
            classes=class_set,
            masks={
                "ground_truth": {"mask_data": get_scaled_mask_label(ndx, run.config.scale_factor)}
            },
            boxes={
                "ground_truth": {
                    "box_data": get_scaled_bounding_boxes(ndx, run.config.scale_factor)
                }
            },
        )
        color_label = wandb.Image(get_scaled_color_mask(ndx, run.config.scale_factor))
        label_mask = wandb.Image(get_scaled_mask_label(ndx, run.config.scale_factor))
        table.add_data(
            train_ids[ndx],
            example,
            color_label,
            label_mask,
            get_dominant_class(get_scaled_mask_label(ndx, run.config.scale_factor)),
        )
    artifact = wandb.Artifact(name="raw_data", type="dataset")
    artifact.add(table, "raw_examples")
    run.log_artifact(artifact)

# Step 2: split the data into train and test
with wandb.init(project=WANDB_PROJECT, job_type="split_dataset", config={"train_pct": 0.7}) as run:
    dataset_artifact = run.use_artifact("raw_data:latest")
    data_table = dataset_artifact.get("raw_examples")
    print("\nExample Data row\n", data_table.data[0])
    train_count = int(len(data_table.data) * run.config.train_pct)
    train_table = wandb.Table(columns=data_table.columns, data=data_table.data[:train_count])
    test_table = wandb.Table(columns=data_table.columns, data=data_table.data[train_count:])
    train_artifact = wandb.Artifact("train_data", "dataset")
    test_artifact = wandb.Artifact("test_data", "dataset")
    train_artifact.add(train_table, "train_table")
    test_artifact.add(test_table, "test_table")
    run.log_artifact(train_artifact)
    run.log_artifact(test_artifact)

# Step 3: train a model and score it on the training data
with wandb.init(project=WANDB_PROJECT, job_type="model_train") as run:
    train_artifact = run.use_artifact("train_data:latest")
    train_table = train_artifact.get("train_table")
    train_data, mask_data = make_datasets(train_table, n_classes)
    model = ExampleSegmentationModel(n_classes)
    model.train(train_data, mask_data)
    scores, results = score_model(model, train_data, mask_data, n_classes)
    results_table = wandb.Table(
        columns=["id", "pred_mask", "dominant_pred"] + BDD_CLASSES,
        data=[
            [
                train_table.data[ndx][0],
                wandb.Image(
                    train_table.data[ndx][1],
                    masks={"train_predicted_truth": {"mask_data": results[ndx]}},
                    boxes={"ground_truth": {"box_data": mask_to_bounding(results[ndx])}},
                ),
                BDD_CLASSES[get_dominant_id_ndx(results[ndx])],
            ]
            + list(row)
            for ndx, row in enumerate(scores)
        ],
    )
    results_artifact = wandb.Artifact("train_results", "dataset")
    results_artifact.add(results_table, "train_iou_score_table")
    run.log_artifact(results_artifact)
    model.save("model.pkl")
    model_artifact = wandb.Artifact("trained_model", "model")
    model_artifact.add_file("model.pkl")
    run.log_artifact(model_artifact)

# Step 4: evaluate the model on the held-out test data
with wandb.init(project=WANDB_PROJECT, job_type="model_eval") as run:
    test_artifact = run.use_artifact("test_data:latest")
    test_table = test_artifact.get("test_table")
    test_data, mask_data = make_datasets(test_table, n_classes)
    model_artifact = run.use_artifact("trained_model:latest")
    path = model_artifact.get_path("model.pkl").download()
    model = ExampleSegmentationModel.load(path)
    scores, results = score_model(model, test_data, mask_data, n_classes)
    results_artifact = wandb.Artifact("test_results", "dataset")
    data = [
        [
            test_table.data[ndx][0],
            wandb.Image(
                test_table.data[ndx][1],
                masks={"test_predicted_truth": {"mask_data": results[ndx]}},
                boxes={"ground_truth": {"box_data": mask_to_bounding(results[ndx])}},
            ),
            BDD_CLASSES[get_dominant_id_ndx(results[ndx])],
        ]
        + list(row)
        for ndx, row in enumerate(scores)
    ]
    results_artifact.add(
        wandb.Table(["id", "pred_mask_test", "dominant_pred_test"] + BDD_CLASSES, data=data),
        "test_iou_score_table",
    )
    run.log_artifact(results_artifact)

# Step 5: join the scores with the original dataset
with wandb.init(project=WANDB_PROJECT, job_type="model_result_analysis") as run:
    dataset_artifact = run.use_artifact("raw_data:latest")
    data_table = dataset_artifact.get("raw_examples")
    train_artifact = run.use_artifact("train_results:latest")
    train_table = train_artifact.get("train_iou_score_table")
    test_artifact = run.use_artifact("test_results:latest")
    test_table = test_artifact.get("test_iou_score_table")
    train_results = wandb.JoinedTable(train_table, data_table, "id")
    test_results = wandb.JoinedTable(test_table, data_table, "id")
    artifact = wandb.Artifact("summary_results", "dataset")
    artifact.add(train_results, "train_results")
    artifact.add(test_results, "test_results")
    run.log_artifact(artifact)
