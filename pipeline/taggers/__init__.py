"""Taggers for the codebook's dimensions: rules on lexicon patterns, and trained models."""
