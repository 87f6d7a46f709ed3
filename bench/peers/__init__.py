"""heron side by side with W&B, MLflow and Aim on the same data and machine (issue 15's suite).

    python -m bench.peers [--quick] [--only SCENARIO,...] [--tools heron,wandb,...] [--repeat N]

Each peer runs in a pinned environment of its own under .bench-envs/ (created on first use);
see docs/benchmarks.md for what each scenario does and how to read the figures.
"""
