"""The versioned feature schema: the ordered names of the feature vector.

Invariant: a model records ``FEATURE_SCHEMA_VERSION`` and ``FEATURE_NAMES`` when it is trained and
refuses to score vectors of another version. Any change to a feature's meaning, order or window
bumps the version.
"""

from __future__ import annotations

from ml.features.events import TOOL_FAMILIES

__all__ = ["FEATURE_INDEX", "FEATURE_NAMES", "FEATURE_SCHEMA_VERSION", "WINDOW_EVENTS"]

FEATURE_SCHEMA_VERSION = "session-window-v1"
WINDOW_EVENTS = 30
"""Sliding window length in events (about ten tool calls: request, decision, completion)."""

FEATURE_NAMES: tuple[str, ...] = (
    "events_total_log",
    *(f"frac_{family}" for family in TOOL_FAMILIES),
    "tool_calls_window",
    "error_rate",
    "consecutive_failures",
    "failures_window",
    "denial_rate",
    "denials_window",
    "asks_window",
    "max_command_repeats",
    "current_command_repeats",
    "distinct_command_ratio",
    "undo_cycles_window",
    "max_edits_same_file",
    "distinct_files_edited",
    "file_churn",
    "mean_gap_log",
    "last_gap_log",
    "gap_cv",
    "events_per_minute_log",
    "mean_duration_log",
    "tokens_per_minute_log",
    "cost_per_minute_log",
    "cost_total_log",
    "burn_known",
    "burn_ratio_log",
    "subagents_started",
    "subagents_active",
    "subagent_event_frac",
    "compactions",
    "prompts",
    "notifications_window",
    "sensitive_access_window",
    "network_after_sensitive",
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}
