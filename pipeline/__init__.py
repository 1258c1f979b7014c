"""Samtalespejl: a mirror for job-centre conversations.

Reads consented, anonymised transcripts, counts and tags what is said, and writes feedback
sheets for peer sparring and tables for research.
"""

__version__ = "0.1.0"
