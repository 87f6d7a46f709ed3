# Follows wandb/examples colabs/wandb-log/Configs_in_W&B.ipynb.
# The code keeps the notebook's own style, hence:
# ruff: noqa: I001
import heron.wandb as wandb

import argparse

wandb.login()

wandb.init(project="config_example", config={"dataset": "CelebA", "type": "baseline"})

wandb.config.epochs = 4
wandb.config["batch_size"] = 32

parser = argparse.ArgumentParser()
parser.add_argument(
    "-b", "--batch_per_gpu", type=int, default=8, help="input batch size for training (default: 8)"
)
parser.add_argument(
    "-wd", "--weight_decay", type=float, default=0.1, help="weight decay (default: 0.1)"
)
args = parser.parse_args(args=[])
wandb.config.update(args)

api = wandb.Api()
username = wandb.run.entity
project = wandb.run.project
run_id = wandb.run.id
run = api.run(f"{username}/{project}/{run_id}")
run.config["bar"] = 32
run.update()
