"""The audit context: verifying the log, reading sessions for auditors, exporting them."""
