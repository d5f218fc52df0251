"""LAA performance dashboard: storage, pure metrics, charts, reports, CLI and Streamlit pages."""

__version__ = "0.1.0"
