"""Placeholder while the page is built (replaced in this session)."""

import streamlit as st

st.title("national")
st.info("This page is being built.")
