"""Streamlit helpers shared by the pages: state, cached loaders, formatting, components."""
