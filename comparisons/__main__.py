"""`python -m comparisons COMMAND`: see comparisons.cli."""
import sys

from .cli import main

sys.exit(main())
