"""``python -m dangan.utilities.lint PATH …``: report convention problems; exit 1 when there are any."""

from .checker import main

raise SystemExit(main())
