"""Assessments in, alerts out; operators acknowledge and resolve."""
