"""``python -m toyama_lab.book``: build the book (see :mod:`toyama_lab.book.build`)."""

import sys

from toyama_lab.book.build import main

sys.exit(main())
