"""`python -m dashboard` runs the `laa` CLI."""

from dashboard.cli import main

main()
