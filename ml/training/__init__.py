"""Synthetic labelled sessions, training and held-out evaluation of the ML models."""
