"""How heron's browser tests and benchmarks start Debian's Chromium.

Headless, no sandbox (the tests run as root), and nothing that reaches out to the network: the
machines have no internet, and Chromium's background services would otherwise retry connections.
"""

from __future__ import annotations

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
