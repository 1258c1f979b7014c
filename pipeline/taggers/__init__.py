"""Taggers for the codebook's dimensions: rules on lexicon patterns, and trained models."""


class ModelsMissing(Exception):
    """The model backend was asked for, but models/<lang>/ has no trained models."""
