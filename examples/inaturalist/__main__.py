"""Entry point: `python -m examples.inaturalist STEP [flags]` (see `--help`)."""

from __future__ import annotations

import sys

from examples.inaturalist.cli import main

sys.exit(main())
