"""One virtual environment per peer, pinned, never heron's own.

Each peer gets ``<root>/<tool>`` (``.bench-envs/`` at the top of the checkout, git-ignored) with
its pinned version and what the workers read the data with (numpy, pandas, Pillow). An
environment whose stamp matches its pins is reused as it is. heron runs in the interpreter that
runs the suite (heron's own environment).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PINS = {
    "wandb": ["wandb==0.31.0"],
    "mlflow": ["mlflow==3.17.2"],
    "aim": ["aim==3.29.1"],
}
COMMON = ["numpy", "pandas", "pillow", "pyarrow"]
ROOT = Path(__file__).resolve().parents[2] / ".bench-envs"


def _uv() -> str:
    """The uv executable: beside this interpreter, on PATH, or installed into this environment."""
    beside = Path(sys.executable).with_name("uv")
    if beside.exists():
        return str(beside)
    found = shutil.which("uv")
    if found:
        return found
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "uv"], check=True)
    return str(beside)


def python(tool: str, root: Path = ROOT) -> Path:
    """The interpreter that runs ``tool``'s workers, creating its environment when needed."""
    if tool == "heron":
        return Path(sys.executable)
    env = root / tool
    exe = env / "bin" / "python"
    wanted = "\n".join(PINS[tool] + COMMON)
    stamp = env / "heron-bench-stamp"
    if exe.exists() and stamp.exists() and stamp.read_text() == wanted:
        return exe
    print(f"creating the {tool} environment ({', '.join(PINS[tool])}) in {env} ...", flush=True)
    uv = _uv()
    base = shutil.which("python3.11") or sys.executable
    subprocess.run([uv, "venv", "-q", "--allow-existing", "--python", base, str(env)], check=True)
    subprocess.run([uv, "pip", "install", "-q", "--python", str(exe), *PINS[tool], *COMMON],
                   check=True)  # fmt: skip
    stamp.write_text(wanted)
    return exe


def version(tool: str, exe: Path) -> str:
    """The installed version of ``tool`` in the interpreter ``exe``."""
    dist = "heron" if tool == "heron" else tool
    out = subprocess.run(
        [str(exe), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return out.stdout.strip() or "?"
