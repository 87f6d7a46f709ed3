"""A run that is still logging while the browser watches: a step every 0.25 s, then it finishes.

Usage: python live_run.py STORE_DIR STEPS; prints the run id once the run exists.
"""

from __future__ import annotations

import sys
import time

import heron

if __name__ == "__main__":
    steps = int(sys.argv[2])
    run = heron.init(project="live", name="still training", dir=sys.argv[1], config={"lr": 0.01})
    print(run.id, flush=True)
    # Wait for the browser to open the page before logging.
    sys.stdin.readline()
    for step in range(steps):
        run.log({"train/loss": 1.0 / (step + 1)}, step=step)
        time.sleep(0.25)  # a training step takes time: the page must keep polling meanwhile
    run.finish()
