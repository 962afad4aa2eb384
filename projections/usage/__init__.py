"""Usage: tokens and cost of model calls, by tenant, minute, session, user, team and model."""
