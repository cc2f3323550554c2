"""Pages of the Streamlit app; each exposes a ``render()`` function."""
