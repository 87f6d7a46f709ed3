# Follows wandb/examples colabs/datasets-predictions/W&B_Tables_Quickstart.ipynb (MNIST replaced by random 28x28 stand-in digits).
# The code keeps the notebook's own style, hence:
# ruff: noqa: B007, B905, E741, I001, SIM113
import heron.wandb as wandb

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

wandb.login()

torch.manual_seed(0)
device = torch.device("cpu")


def get_dataloader(is_train, batch_size, count):
    """Random grey 1x28x28 images in [0, 1] with labels 0..9, as ToTensor() gives MNIST."""
    images = torch.rand(count, 1, 28, 28)
    labels = torch.randint(0, 10, (count,))
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=is_train)


EPOCHS = 2
NUM_BATCHES_TO_LOG = 2
NUM_IMAGES_PER_BATCH = 8
NUM_CLASSES = 10
BATCH_SIZE = 8
LEARNING_RATE = 0.001
L1_SIZE = 4
L2_SIZE = 8
CONV_KERNEL_SIZE = 5


class ConvNet(nn.Module):
    """Two conv blocks and a linear classifier, small enough for a test."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.block1 = nn.Sequential(
            nn.Conv2d(1, L1_SIZE, CONV_KERNEL_SIZE, padding=2), nn.ReLU(), nn.MaxPool2d(2)
        )
        self.block2 = nn.Sequential(
            nn.Conv2d(L1_SIZE, L2_SIZE, CONV_KERNEL_SIZE, padding=2), nn.ReLU(), nn.MaxPool2d(2)
        )
        self.head = nn.Linear(7 * 7 * L2_SIZE, num_classes)

    def forward(self, x):
        return self.head(self.block2(self.block1(x)).flatten(1))


train_loader = get_dataloader(is_train=True, batch_size=BATCH_SIZE, count=32)
test_loader = get_dataloader(is_train=False, batch_size=2 * BATCH_SIZE, count=48)

wandb.init(project="table-quickstart")

cfg = wandb.config
cfg.update(
    {
        "epochs": EPOCHS,
        "batch_size": BATCH_SIZE,
        "lr": LEARNING_RATE,
        "l1_size": L1_SIZE,
        "l2_size": L2_SIZE,
        "conv_kernel": CONV_KERNEL_SIZE,
        "img_count": min(10000, NUM_IMAGES_PER_BATCH * NUM_BATCHES_TO_LOG),
    }
)

model = ConvNet(NUM_CLASSES).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)


def log_test_predictions(images, labels, outputs, predicted, test_table, log_counter):
    scores = F.softmax(outputs.data, dim=1)
    log_scores = scores.cpu().numpy()
    log_images = images.cpu().numpy()
    log_labels = labels.cpu().numpy()
    log_preds = predicted.cpu().numpy()
    _id = 0
    for i, l, p, s in zip(log_images, log_labels, log_preds, log_scores):
        img_id = str(_id) + "_" + str(log_counter)
        test_table.add_data(img_id, wandb.Image(i), p, l, *s)
        _id += 1
        if _id == NUM_IMAGES_PER_BATCH:
            break


for epoch in range(EPOCHS):
    model.train()
    for i, (images, labels) in enumerate(train_loader):
        images, labels = images.to(device), labels.to(device)
        outputs = model(images)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        wandb.log({"loss": loss})

    columns = ["id", "image", "guess", "truth"]
    for digit in range(10):
        columns.append("score_" + str(digit))
    test_table = wandb.Table(columns=columns)

    model.eval()
    log_counter = 0
    with torch.no_grad():
        correct = 0
        total = 0
        for images, labels in test_loader:
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            if log_counter < NUM_BATCHES_TO_LOG:
                log_test_predictions(images, labels, outputs, predicted, test_table, log_counter)
                log_counter += 1
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
        acc = 100 * correct / total
        wandb.log({"epoch": epoch, "acc": acc})

    wandb.log({"test_predictions": test_table})

wandb.finish()
