"""``python -m helpers.exercises``: validate every exercise file (see :mod:`.validate`)."""

import sys

from helpers.exercises.validate import main

sys.exit(main())
