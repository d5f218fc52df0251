"""A near-empty page, hidden from the menu: the floor `make bench` times every page against.

It runs behind the same entrypoint (sign-in gate, sidebar) as every page and shows one line,
no data, so its render time is the server's own cost of serving a page."""

from __future__ import annotations

import streamlit as st

BLANK_TEXT = "This page is intentionally blank."

st.write(BLANK_TEXT)
