"""``python -m toyama_lab.book``: build the book (see :mod:`toyama_lab.book.driver`)."""

import sys

from toyama_lab.book.driver import main

sys.exit(main())
