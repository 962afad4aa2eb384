"""Activity: what the agents' own metrics report (lines, commits, PRs, edit decisions, active
time, sessions, cost and tokens), by tenant, minute, session, user, team and model."""
