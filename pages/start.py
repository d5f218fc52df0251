"""The app's root URL for a user whose own work is not the LSP overview (a department user:
Department returns): forwards there with the link's selections (see `nav.register`)."""

from __future__ import annotations

from dashboard.ui import nav

nav.forward_to_landing()
