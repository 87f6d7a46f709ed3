# Follows wandb/examples colabs/wandb-log/Customize_metric_logging_with_define_metric.ipynb.
# The code keeps the notebook's own style, hence:
# ruff: noqa: I001
import heron.wandb as wandb

import random

wandb.login()

random.seed(1)
wandb.init(project="define-metric-demo", notes="custom step")
wandb.define_metric("custom_step")
wandb.define_metric("validation/loss", step_metric="custom_step")
for i in range(10):
    log_dict = {
        "train/loss": 1 / (i + 1),
        "custom_step": i**2,
        "validation/loss": 1 / (i + 1),
    }
    wandb.log(log_dict)
wandb.finish()

random.seed(1)
wandb.init(project="define-metric-demo", notes="min of loss, max of acc")
wandb.define_metric("loss", summary="min")
wandb.define_metric("acc", summary="max")
for i in range(10):
    log_dict = {
        "loss": random.uniform(0, 1 / (i + 1)),
        "acc": random.uniform(1 / (i + 1), 1),
    }
    wandb.log(log_dict)
wandb.finish()
