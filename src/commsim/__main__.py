"""``python -m commsim`` runs the command line."""

from commsim.cli import main

main()
