"""Feedback sheets per caseworker and the supervisor's index: self-contained HTML pages."""
