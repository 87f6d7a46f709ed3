# Follows wandb/examples colabs/wandb-artifacts/W&B_artifacts_for_auditing_purposes.ipynb (timm model and image folders replaced by a tiny model on random data; the bucket is the test S3 server's, and only keys under this run's prefix are touched).
# The code keeps the notebook's own style, hence:
# ruff: noqa: B028, E722, I001
import heron.wandb as wandb

import logging
import operator
import os
import tempfile
import warnings

import boto3
import torch

_logger = logging.getLogger("audit")
PREFIX = os.environ["AUDIT_S3_PREFIX"]
Config = {
    "PROJECT": "audit-artifacts",
    "EPOCHS": 4,
    "LR": 0.01,
    "BS": 8,
    "NUM_CHECKPOINTS": 2,
    "FILENAME": "checkpoint-3.pth.tar",
    "ALIAS": "latest",
    "BUCKET": os.environ["AUDIT_S3_BUCKET"],
}

wandb.login()


def s3_client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ["AUDIT_S3_ENDPOINT"],
        aws_access_key_id=os.environ["AUDIT_S3_KEY"],
        aws_secret_access_key=os.environ["AUDIT_S3_SECRET"],
        region_name="us-east-1",
    )


class CheckpointSaver:
    def __init__(
        self,
        model,
        optimizer,
        config=None,
        checkpoint_prefix="checkpoint",
        checkpoint_dir="",
        decreasing=False,
        max_history=2,
        wandb_run=None,
    ):
        self.wandb_run = (
            wandb_run if wandb_run is not None else wandb.init(job_type="model-artifact")
        )
        self.model = model
        self.optimizer = optimizer
        self.config = config
        self.checkpoint_files = []
        self.best_epoch = None
        self.best_metric = None
        self.checkpoint_dir = checkpoint_dir
        self.save_prefix = checkpoint_prefix
        self.extension = ".pth.tar"
        self.decreasing = decreasing
        self.cmp = operator.lt if decreasing else operator.gt
        self.max_history = max_history

    def save_checkpoint(self, epoch, metric=None):
        tmp_save_path = os.path.join(self.checkpoint_dir, "tmp" + self.extension)
        last_save_path = os.path.join(self.checkpoint_dir, "last" + self.extension)
        self._save(tmp_save_path, epoch, metric)
        if os.path.exists(last_save_path):
            os.unlink(last_save_path)
        os.rename(tmp_save_path, last_save_path)
        worst_file = self.checkpoint_files[-1] if self.checkpoint_files else None
        if (
            len(self.checkpoint_files) < self.max_history
            or metric is None
            or self.cmp(metric, worst_file[1])
        ):
            if len(self.checkpoint_files) >= self.max_history:
                self._cleanup_checkpoints(1)
            filename = "-".join([self.save_prefix, str(epoch)]) + self.extension
            save_path = os.path.join(self.checkpoint_dir, filename)
            os.link(last_save_path, save_path)
            self.log_artifact(filename, save_path)
            self.checkpoint_files.append((save_path, metric))
            self.checkpoint_files = sorted(
                self.checkpoint_files, key=lambda x: x[1], reverse=not self.decreasing
            )
            if metric is not None and (
                self.best_metric is None or self.cmp(metric, self.best_metric)
            ):
                self.best_epoch = epoch
                self.best_metric = metric
        return (None, None) if self.best_metric is None else (self.best_metric, self.best_epoch)

    def _save(self, save_path, epoch, metric=None):
        save_state = {
            "epoch": epoch,
            "arch": type(self.model).__name__.lower(),
            "state_dict": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
        }
        if metric is not None:
            save_state["metric"] = metric
        torch.save(save_state, save_path)

    def _cleanup_checkpoints(self, trim=0):
        trim = min(len(self.checkpoint_files), trim)
        delete_index = self.max_history - trim
        if delete_index < 0 or len(self.checkpoint_files) <= delete_index:
            return
        to_delete = self.checkpoint_files[delete_index:]
        for d in to_delete:
            try:
                # The notebook's optional step, taken here: only keep the top N artifacts.
                self.delete_artifact(os.path.basename(d[0]))
                os.remove(d[0])
            except Exception as e:
                _logger.error(f"Exception '{e}' while deleting checkpoint")
                raise
        self.checkpoint_files = self.checkpoint_files[:delete_index]

    def log_artifact(self, filename, save_path):
        artifact = wandb.Artifact(filename, type="model")
        artifact.add_file(save_path)
        self.wandb_run.log_artifact(artifact)

    def delete_artifact(self, filename, alias="v0"):
        api = wandb.Api()
        artifact = api.artifact(f"{Config['PROJECT']}/{filename}:{alias}")
        artifact.delete(delete_aliases=True)


def main(wandb_run=None):
    torch.manual_seed(0)
    x, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=Config["LR"])
    saver = CheckpointSaver(
        model=model,
        optimizer=optimizer,
        config=Config,
        decreasing=True,
        wandb_run=wandb_run,
        max_history=Config["NUM_CHECKPOINTS"],
    )
    for epoch in range(Config["EPOCHS"]):
        for start in range(0, len(x), Config["BS"]):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                model(x[start : start + Config["BS"]]), y[start : start + Config["BS"]]
            )
            loss.backward()
            optimizer.step()
        avg_loss_eval = 1.0 / (epoch + 1)  # falls every epoch, so every checkpoint is the best
        wandb.run.log(
            {
                "epoch": epoch,
                "learning rate": Config["LR"],
                "train loss": loss.item(),
                "evaluation loss": avg_loss_eval,
            }
        )
        saver.save_checkpoint(epoch, metric=avg_loss_eval)


run = wandb.init(project=Config["PROJECT"], config=Config)
wandb.config = Config
main(wandb_run=run)
run.finish()

s3 = s3_client()
api = wandb.Api()


def upload_artifact_to_s3(config):
    artifact = api.artifact(f"{config['PROJECT']}/{config['FILENAME']}:{config['ALIAS']}")
    digest = artifact.digest
    with tempfile.TemporaryDirectory() as tmpdir:
        path = artifact.download(tmpdir)
        fname = os.listdir(path)[0]
        fpath = path + "/" + fname
        key = f"{PREFIX}/{fname}"
        try:
            metadata = s3.head_object(Bucket=Config["BUCKET"], Key=key)["Metadata"]
        except:
            warnings.warn(f"File {fname} does not already exist in the bucket; uploading it.")
            # The notebook empties the whole bucket here; the test server's bucket is shared,
            # so only this run's prefix is emptied.
            listed = s3.list_objects_v2(Bucket=Config["BUCKET"], Prefix=PREFIX + "/")
            for item in listed.get("Contents", []):
                s3.delete_object(Bucket=Config["BUCKET"], Key=item["Key"])
            metadata = {"digest": -1}
        if metadata["digest"] != digest:
            s3.upload_file(fpath, Config["BUCKET"], key, ExtraArgs={"Metadata": {"digest": digest}})
            print("uploaded", key)
        else:
            print("unchanged", key)


upload_artifact_to_s3(config=Config)
upload_artifact_to_s3(config=Config)
