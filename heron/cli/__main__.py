"""``python -m heron.cli`` runs the ``heron`` command."""

from heron.cli.main import main

main()
