# Follows wandb/examples colabs/wandb-artifacts/Pipeline_Versioning_with_W&B_Artifacts.ipynb (MNIST replaced by small random tensors).
# The code keeps the notebook's own style (names like `l`, zip without strict...), hence:
# ruff: noqa: B006, B905, I001
import heron.wandb as wandb

import os
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

random.seed(0)
torch.manual_seed(0)
device = torch.device("cpu")
num_classes = 10
input_shape = (1, 28, 28)


def load(train_size=48):
    x = torch.randint(0, 255, (80, 28, 28), dtype=torch.uint8)
    y = torch.randint(0, num_classes, (80,))
    x_train, x_val, x_test = x[:train_size], x[train_size:64], x[64:]
    y_train, y_val, y_test = y[:train_size], y[train_size:64], y[64:]
    return [
        TensorDataset(x_train, y_train),
        TensorDataset(x_val, y_val),
        TensorDataset(x_test, y_test),
    ]


def load_and_log():
    with wandb.init(project="artifacts-example", job_type="load-data") as run:
        datasets = load()
        names = ["training", "validation", "test"]
        raw_data = wandb.Artifact(
            "mnist-raw",
            type="dataset",
            description="Raw MNIST dataset, split into train/val/test",
            metadata={"source": "stand-in", "sizes": [len(dataset) for dataset in datasets]},
        )
        for name, data in zip(names, datasets):
            with raw_data.new_file(name + ".pt", mode="wb") as file:
                x, y = data.tensors
                torch.save((x, y), file)
        run.log_artifact(raw_data)


load_and_log()


def preprocess(dataset, normalize=True, expand_dims=True):
    x, y = dataset.tensors
    if normalize:
        x = x.type(torch.float32) / 255
    if expand_dims:
        x = torch.unsqueeze(x, 1)
    return TensorDataset(x, y)


def read(data_dir, split):
    filename = split + ".pt"
    x, y = torch.load(os.path.join(data_dir, filename))
    return TensorDataset(x, y)


def preprocess_and_log(steps):
    with wandb.init(project="artifacts-example", job_type="preprocess-data") as run:
        processed_data = wandb.Artifact(
            "mnist-preprocess",
            type="dataset",
            description="Preprocessed MNIST dataset",
            metadata=steps,
        )
        raw_data_artifact = run.use_artifact("mnist-raw:latest")
        raw_dataset = raw_data_artifact.download()
        for split in ["training", "validation", "test"]:
            raw_split = read(raw_dataset, split)
            processed_dataset = preprocess(raw_split, **steps)
            with processed_data.new_file(split + ".pt", mode="wb") as file:
                x, y = processed_dataset.tensors
                torch.save((x, y), file)
        run.log_artifact(processed_data)


steps = {"normalize": True, "expand_dims": True}
preprocess_and_log(steps)


class ConvNet(nn.Module):
    def __init__(
        self,
        hidden_layer_sizes=[8],
        kernel_sizes=[3],
        activation="ReLU",
        pool_sizes=[2],
        dropout=0.5,
        num_classes=num_classes,
        input_shape=input_shape,
    ):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(input_shape[0], hidden_layer_sizes[0], kernel_size=kernel_sizes[0]),
            getattr(nn, activation)(),
            nn.MaxPool2d(kernel_size=pool_sizes[0]),
        )
        self.layer2 = nn.Sequential(nn.Flatten(), nn.Dropout(dropout))
        side = (input_shape[1] - kernel_sizes[0] + 1) // pool_sizes[0]
        self.fc = nn.Linear(side * side * hidden_layer_sizes[0], num_classes)

    def forward(self, x):
        return self.fc(self.layer2(self.layer1(x)))


def build_model_and_log(config):
    with wandb.init(project="artifacts-example", job_type="initialize", config=config) as run:
        config = wandb.config
        model = ConvNet(**config)
        model_artifact = wandb.Artifact(
            "convnet", type="model", description="Simple AlexNet style CNN", metadata=dict(config)
        )
        torch.save(model.state_dict(), "initialized_model.pth")
        model_artifact.add_file("initialized_model.pth")
        wandb.save("initialized_model.pth")
        run.log_artifact(model_artifact)


model_config = {
    "hidden_layer_sizes": [8],
    "kernel_sizes": [3],
    "activation": "ReLU",
    "pool_sizes": [2],
    "dropout": 0.5,
    "num_classes": 10,
}
build_model_and_log(model_config)


def train(model, train_loader, valid_loader, config):
    optimizer = getattr(torch.optim, config.optimizer)(model.parameters())
    model.train()
    example_ct = 0
    for epoch in range(config.epochs):
        for batch_idx, (data, target) in enumerate(train_loader):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(data), target)
            loss.backward()
            optimizer.step()
            example_ct += len(data)
            if batch_idx % config.batch_log_interval == 0:
                wandb.log({"epoch": epoch, "train/loss": loss.item()}, step=example_ct)
        loss, accuracy = test(model, valid_loader)
        wandb.log(
            {
                "epoch": epoch,
                "validation/loss": float(loss),
                "validation/accuracy": float(accuracy),
            },
            step=example_ct,
        )


def test(model, test_loader):
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.cross_entropy(output, target, reduction="sum")
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum()
    test_loss /= len(test_loader.dataset)
    return test_loss, 100.0 * correct / len(test_loader.dataset)


def train_and_log(config):
    with wandb.init(project="artifacts-example", job_type="train", config=config) as run:
        config = wandb.config
        data = run.use_artifact("mnist-preprocess:latest")
        data_dir = data.download()
        training_dataset = read(data_dir, "training")
        validation_dataset = read(data_dir, "validation")
        train_loader = DataLoader(training_dataset, batch_size=config.batch_size)
        validation_loader = DataLoader(validation_dataset, batch_size=config.batch_size)
        model_artifact = run.use_artifact("convnet:latest")
        model_dir = model_artifact.download()
        model_path = os.path.join(model_dir, "initialized_model.pth")
        model_config = model_artifact.metadata
        config.update(model_config)
        model = ConvNet(**model_config)
        model.load_state_dict(torch.load(model_path))
        train(model, train_loader, validation_loader, config)
        model_artifact = wandb.Artifact(
            "trained-model",
            type="model",
            description="Trained NN model",
            metadata=dict(model_config),
        )
        torch.save(model.state_dict(), "trained_model.pth")
        model_artifact.add_file("trained_model.pth")
        wandb.save("trained_model.pth")
        run.log_artifact(model_artifact)
    return model


def evaluate_and_log(config=None):
    with wandb.init(project="artifacts-example", job_type="report", config=config) as run:
        data = run.use_artifact("mnist-preprocess:latest")
        data_dir = data.download()
        testing_set = read(data_dir, "test")
        test_loader = torch.utils.data.DataLoader(testing_set, batch_size=128, shuffle=False)
        model_artifact = run.use_artifact("trained-model:latest")
        model_dir = model_artifact.download()
        model_path = os.path.join(model_dir, "trained_model.pth")
        model_config = model_artifact.metadata
        model = ConvNet(**model_config)
        model.load_state_dict(torch.load(model_path))
        loss, accuracy = test(model, test_loader)
        run.summary.update({"loss": float(loss), "accuracy": float(accuracy)})
        hardest = testing_set.tensors[0][:4]
        labels = testing_set.tensors[1][:4]
        wandb.log(
            {
                "high-loss-examples": [
                    wandb.Image(hard_example, caption=str(int(label)) + "," + str(int(label)))
                    for hard_example, label in zip(hardest, labels)
                ]
            }
        )


train_config = {"batch_size": 16, "epochs": 2, "batch_log_interval": 1, "optimizer": "Adam"}
model = train_and_log(train_config)
evaluate_and_log()
