"""Assessments of sessions by models, the alerts they raise, and the thresholds between them."""
