"""Entry point of the ``heron`` command: a click group; each resource adds its own subgroup."""

from __future__ import annotations

import click

from heron import __version__
from heron.cli.artifacts import artifacts
from heron.cli.common import handle_errors
from heron.cli.import_cmd import import_group
from heron.cli.login import login
from heron.cli.projects import projects
from heron.cli.runs import runs
from heron.cli.server import server
from heron.cli.sync import sync
from heron.cli.ui import ui
from heron.cli.users import users
from heron.cli.verify import verify


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="heron")
def cli() -> None:
    """heron: track ML runs, log datasets and predictions as tables, explore them in the browser.

    Every command reads the store in --dir, else $HERON_DIR, else ./heron-data.
    """


cli.add_command(artifacts)
cli.add_command(import_group)
cli.add_command(login)
cli.add_command(projects)
cli.add_command(runs)
cli.add_command(server)
cli.add_command(sync)
cli.add_command(ui)
cli.add_command(users)
cli.add_command(verify)
cli.add_command(verify, name="doctor")


def main() -> None:
    """Run the CLI; heron's own errors print as one line and exit with status 1."""
    with handle_errors():
        cli(standalone_mode=True)
