"""Command line of the walkthrough: `python -m examples.inaturalist upload|split|train|infer|all`."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from examples.inaturalist.backbone import BACKBONES, BackboneName, BackboneSpec
from examples.inaturalist.classifier import OPTIMIZERS, OptimizerName, Variant
from examples.inaturalist.data import ANIMAL_MNIST_CLASSES, SplitSizes
from examples.inaturalist.settings import Settings, raw_artifact_name, split_artifact_name

DEFAULT_UPLOAD_PER_CLASS = 100
DEFAULT_VARIANTS = "256,512,1024,2048"
DEFAULT_N_IMAGES = DEFAULT_UPLOAD_PER_CLASS * len(ANIMAL_MNIST_CLASSES)


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where and how")
    group.add_argument(
        "--project",
        default="inaturalist",
        help="heron project for every run (default: %(default)s)",
    )
    group.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="heron store directory (default: $HERON_DIR, else ./heron-data)",
    )
    group.add_argument(
        "--workdir",
        type=Path,
        default=Path("inat-work"),
        help="scratch space: exported images, split staging, feature cache (default: %(default)s)",
    )
    group.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads; 1 is usually fastest on a small busy machine (default: %(default)s)",
    )
    group.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for sampling, splitting and initialisation (default: %(default)s)",
    )


def _upload_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("upload")
    group.add_argument(
        "--data-root",
        type=Path,
        default=None,
        help="upload this root/<label>/*.jpg|png tree (e.g. an iNaturalist subset) instead of animal-mnist",
    )
    group.add_argument(
        "--upload-per-class",
        type=int,
        default=DEFAULT_UPLOAD_PER_CLASS,
        help="animal-mnist images written per class (default: %(default)s; ignored with --data-root)",
    )


def _split_flags(parser: argparse.ArgumentParser, *, standalone: bool) -> None:
    group = parser.add_argument_group("split")
    if standalone:
        group.add_argument(
            "--source",
            default=f"{raw_artifact_name(DEFAULT_N_IMAGES)}:latest",
            help="raw_data artifact to split (default: %(default)s)",
        )
    group.add_argument(
        "--per-class",
        type=int,
        default=None,
        help="images per class over the three splits, split 80/10/10 (default: all of the smallest class)",
    )
    group.add_argument(
        "--val-fraction",
        type=float,
        default=0.1,
        help="share of --per-class for validation (default: %(default)s)",
    )
    group.add_argument(
        "--test-fraction",
        type=float,
        default=0.1,
        help="share of --per-class for test (default: %(default)s)",
    )
    group.add_argument(
        "--train-per-class",
        type=int,
        default=None,
        help="exact train images per class (needs --val-per-class and --test-per-class)",
    )
    group.add_argument(
        "--val-per-class", type=int, default=None, help="exact validation images per class"
    )
    group.add_argument(
        "--test-per-class", type=int, default=None, help="exact test images per class"
    )


def _train_flags(parser: argparse.ArgumentParser, *, standalone: bool) -> None:
    group = parser.add_argument_group("train")
    if standalone:
        group.add_argument(
            "--dataset",
            default=f"{split_artifact_name(DEFAULT_N_IMAGES)}:latest",
            help="balanced_data artifact to train on (default: %(default)s)",
        )
    group.add_argument(
        "--variants",
        default=DEFAULT_VARIANTS,
        help="comma-separated FC[:OPTIMIZER[:EPOCHS]] variants, one run each, e.g. 256,1024:adam,512:rmsprop:1 (default: %(default)s)",
    )
    group.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default="rmsprop",
        help="optimizer of variants that name none (default: %(default)s)",
    )
    group.add_argument(
        "--epochs",
        type=int,
        default=5,
        help="epochs of variants that name none (default: %(default)s)",
    )
    group.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default: 1e-3 for adam/rmsprop, 1e-2 for sgd)",
    )
    group.add_argument(
        "--batch-size", type=int, default=32, help="training batch size (default: %(default)s)"
    )
    group.add_argument(
        "--backbone",
        choices=BACKBONES,
        default="efficientnet_lite0",
        help="frozen pretrained backbone (default: %(default)s; inception_v3 needs --weights)",
    )
    group.add_argument(
        "--input-size",
        type=int,
        default=None,
        help="backbone input size in px (default: 64 for efficientnet_lite0, 299 for inception_v3)",
    )
    group.add_argument(
        "--weights",
        type=Path,
        default=None,
        help="Keras InceptionV3 no-top weights file (.h5) for --backbone inception_v3",
    )
    group.add_argument(
        "--trainer",
        choices=("torch", "keras"),
        default="torch",
        help="train the head in a PyTorch loop or with Keras fit (default: %(default)s)",
    )
    group.add_argument(
        "--group", default="fc-sweep", help="run group of the sweep (default: %(default)s)"
    )


def _infer_flags(parser: argparse.ArgumentParser, *, standalone: bool) -> None:
    group = parser.add_argument_group("infer")
    if standalone:
        group.add_argument(
            "--models",
            default=None,
            help="comma-separated model aliases or name:alias (default: the aliases of --variants)",
        )
        group.add_argument(
            "--dataset",
            default=None,
            help="balanced_data artifact to test on (default: the one each model trained on)",
        )
        group.add_argument(
            "--variants",
            default=DEFAULT_VARIANTS,
            help="variants whose aliases are the default --models (default: %(default)s)",
        )
        group.add_argument(
            "--optimizer",
            choices=OPTIMIZERS,
            default="rmsprop",
            help="optimizer of --variants that name none (default: %(default)s)",
        )
        group.add_argument(
            "--epochs",
            type=int,
            default=5,
            help="epochs of --variants that name none (default: %(default)s)",
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per step, plus `all`."""
    parser = argparse.ArgumentParser(
        prog="python -m examples.inaturalist",
        description="The iNaturalist walkthrough on heron: upload raw images, split them, "
        "train classifier variants, run inference. Offline default: animal-mnist + EfficientNet-Lite0.",
    )
    steps = parser.add_subparsers(dest="step", required=True, metavar="STEP")
    upload = steps.add_parser("upload", help="log an image-folder dataset as a raw_data artifact")
    _upload_flags(upload)
    split = steps.add_parser(
        "split", help="snapshot a balanced train/val/test split as balanced_data"
    )
    _split_flags(split, standalone=True)
    train = steps.add_parser(
        "train", help="train FC-head variants on a frozen backbone, one run each"
    )
    _train_flags(train, standalone=True)
    infer = steps.add_parser(
        "infer", help="predict on the test split with model artifacts by alias"
    )
    _infer_flags(infer, standalone=True)
    everything = steps.add_parser("all", help="run upload, split, train and infer in a row")
    _upload_flags(everything)
    _split_flags(everything, standalone=False)
    _train_flags(everything, standalone=False)
    for sub in (upload, split, train, infer, everything):
        _common(sub)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(
        project=args.project,
        store=args.dir,
        workdir=args.workdir,
        threads=args.threads,
        seed=args.seed,
    )


def _variants(args: argparse.Namespace) -> list[Variant]:
    optimizer = cast(OptimizerName, args.optimizer)
    return [
        Variant.parse(text, optimizer=optimizer, epochs=args.epochs, lr=getattr(args, "lr", None))
        for text in args.variants.split(",")
        if text.strip()
    ]


def _sizes(args: argparse.Namespace) -> SplitSizes | None:
    """Split sizes from the flags; None lets the split step size it from the smallest class."""
    exact = (args.train_per_class, args.val_per_class, args.test_per_class)
    if any(value is not None for value in exact):
        if any(value is None for value in exact):
            raise SystemExit("--train-per-class, --val-per-class and --test-per-class go together")
        return SplitSizes(*cast(tuple[int, int, int], exact))
    if args.per_class is None:
        return None
    return SplitSizes.from_fractions(
        args.per_class, val_fraction=args.val_fraction, test_fraction=args.test_fraction
    )


def _split(settings: Settings, args: argparse.Namespace, source: str) -> str:
    from examples.inaturalist import dataset_steps

    return dataset_steps.split(
        settings,
        source=source,
        sizes=_sizes(args),
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
    )


def _backbone(args: argparse.Namespace) -> BackboneSpec:
    name = cast(BackboneName, args.backbone)
    size = args.input_size or (64 if name == "efficientnet_lite0" else 299)
    if name == "inception_v3" and args.weights is None:
        raise SystemExit("--backbone inception_v3 needs --weights path/to/inception_v3_notop.h5")
    if args.weights is not None and not args.weights.is_file():
        raise SystemExit(f"weights file not found: {args.weights}")
    return BackboneSpec(name, size, args.weights)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the step named on the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    os.environ.setdefault("KERAS_BACKEND", "torch")  # before anything imports keras
    settings = _settings(args)
    # Imported here so `--help` answers without loading heron, torch or the data.
    from examples.inaturalist import dataset_steps, infer_step, train_step

    started = time.perf_counter()
    if args.step == "upload":
        print(
            dataset_steps.upload(
                settings, data_root=args.data_root, per_class=args.upload_per_class
            )
        )
    elif args.step == "split":
        print(_split(settings, args, args.source))
    elif args.step == "train":
        train_step.train(
            settings,
            dataset=args.dataset,
            variants=_variants(args),
            backbone=_backbone(args),
            trainer=args.trainer,
            batch_size=args.batch_size,
            group=args.group,
        )
    elif args.step == "infer":
        models = args.models.split(",") if args.models else [v.name for v in _variants(args)]
        infer_step.infer(settings, models=models, dataset=args.dataset)
    else:
        run_all(args, settings)
    print(f"{args.step} finished in {time.perf_counter() - started:.1f}s")
    return 0


def run_all(args: argparse.Namespace, settings: Settings) -> None:
    """upload → split → train → infer, each step feeding the artifact it logged to the next."""
    from examples.inaturalist import dataset_steps, infer_step, train_step

    timings: dict[str, float] = {}
    started = time.perf_counter()
    raw = dataset_steps.upload(settings, data_root=args.data_root, per_class=args.upload_per_class)
    timings["upload"] = time.perf_counter() - started
    started = time.perf_counter()
    dataset = _split(settings, args, f"{raw}:latest")
    timings["split"] = time.perf_counter() - started
    started = time.perf_counter()
    aliases = train_step.train(
        settings,
        dataset=f"{dataset}:latest",
        variants=_variants(args),
        backbone=_backbone(args),
        trainer=args.trainer,
        batch_size=args.batch_size,
        group=args.group,
    )
    timings["train"] = time.perf_counter() - started
    started = time.perf_counter()
    accuracies = infer_step.infer(settings, models=aliases)
    timings["infer"] = time.perf_counter() - started
    print("step times: " + ", ".join(f"{step} {seconds:.1f}s" for step, seconds in timings.items()))
    print("test accuracy: " + ", ".join(f"{alias} {acc:.3f}" for alias, acc in accuracies.items()))
    store = f" --dir {settings.store}" if settings.store is not None else ""
    print(
        f"artifacts: {raw} -> {dataset} -> inat_model:{{{','.join(aliases)}}}\n"
        f"explore: heron ui{store}  (project {settings.project}: tables predictions, test_results, "
        "balanced_data; see examples/inaturalist/README.md for the walkthrough's views)"
    )
