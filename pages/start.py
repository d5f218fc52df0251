"""The app's root URL: forwards to the user's landing page (the LSP overview; a department
user's returns, a Government Office's region) with the link's selections. The entrypoint
forwards before drawing anything (see `dashboard/app.py` and `nav.register`)."""

from __future__ import annotations

from dashboard.ui import nav

nav.forward_to_landing()
