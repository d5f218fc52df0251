"""Placeholder: being built (issue 6)."""

import streamlit as st

st.title("Coming soon")
