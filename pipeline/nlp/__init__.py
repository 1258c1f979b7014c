"""Language processing on spaCy blank pipelines (no model downloads)."""
