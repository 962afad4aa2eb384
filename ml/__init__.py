"""Pure model code (features, models, training, inference). Filled in by the ML issue."""
