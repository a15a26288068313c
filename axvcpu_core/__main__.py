"""`python -m axvcpu_core` runs the command line."""

from .cli import main

main()
