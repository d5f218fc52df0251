"""Exports and reports built from one assessment (no SQL, no Streamlit)."""
