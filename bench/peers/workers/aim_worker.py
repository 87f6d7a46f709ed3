"""The suite's scenarios written with Aim (local repository), as its docs show them.

Aim has no table type, so the table scenarios are not run; the epochs scenario tracks each
epoch's 1,000 images as an image sequence (Aim's way of keeping images per step), with the truth
as the caption and lossless PNG as the format (Aim's default for arrays is JPEG).
"""

from __future__ import annotations

import time

from _common import Job, epochs_growth, image_disk, logged_twice, main, timed


def do_import(job: Job) -> None:
    start = time.perf_counter()
    import aim  # noqa: F401

    job.done(inner_s=time.perf_counter() - start)


def _repo(job: Job) -> str:
    """Create the Aim repository (``aim init``) before the clock starts: once per store."""
    from aim import Repo

    Repo.from_path(str(job.store), init=True)
    return str(job.store)


def epochs(job: Job) -> None:
    import aim

    repo = _repo(job)
    truth, _, _ = job.labels(job.params["images"])

    def log(count: int) -> None:
        run = aim.Run(repo=repo, experiment="bench")
        for epoch in range(count):
            images = [
                aim.Image(job.image(i), caption=truth[i], format="png")
                for i in range(job.params["images"])
            ]
            run.track(images, name="predictions", step=epoch)
        run.close()

    epochs_growth(job, log)


def disk_per_image(job: Job) -> None:
    rows = job.params["image_rows"]

    def log(images: bool) -> None:  # in each child, with a repository of its own
        import aim

        # Aim has no table: the images are one step of an image sequence, as in the epochs
        # scenario; the run without them tracks the same captions as texts.
        truth, _, _ = job.labels(rows)
        run = aim.Run(repo=_repo(job), experiment="bench")
        if images:
            tracked = [aim.Image(job.image(i), caption=truth[i], format="png") for i in range(rows)]
            run.track(tracked, name="predictions", step=0)
        else:
            run.track([aim.Text(truth[i]) for i in range(rows)], name="predictions", step=0)
        run.close()

    image_disk(job, log)


def artifact(job: Job) -> None:
    import aim

    repo = _repo(job)

    def log() -> None:
        run = aim.Run(repo=repo, experiment="bench")
        run.set_artifacts_uri((job.store / "artifacts").as_uri())
        run.log_artifacts(str(job.dataset()), name="dataset", block=True)
        run.close()

    logged_twice(job, log)


def scalars(job: Job) -> None:
    import aim

    repo = _repo(job)

    def log() -> None:
        run = aim.Run(repo=repo, experiment="bench")
        for step in range(job.params["steps"]):
            run.track(1.0 / (step + 1), name="loss", step=step)
            run.track(step * 1e-6, name="acc", step=step)
        run.close()

    job.done(inner_s=timed(log))


if __name__ == "__main__":
    main(
        {
            "import": do_import,
            "epochs_5x1k": epochs,
            "image_disk": disk_per_image,
            "artifact_2k_twice": artifact,
            "scalars_100k": scalars,
        }
    )
