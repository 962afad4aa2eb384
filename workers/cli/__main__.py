"""``python -m workers.cli`` runs the same CLI as ``observatory``."""

from workers.cli import main

main()
