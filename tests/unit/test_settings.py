"""Settings come from OBSERVATORY_* variables; bad values say which variable is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.settings import Settings, SettingsError


def test_variables_are_read_and_typed():
    settings = Settings.from_env(
        {
            "OBSERVATORY_PORT": "9000",
            "OBSERVATORY_DATA_DIR": "/tmp/x",
            "OBSERVATORY_INGEST_LINGER_MS": "2.5",
        }
    )
    assert (settings.port, settings.data_dir, settings.ingest_linger_ms) == (
        9000,
        Path("/tmp/x"),
        2.5,
    )


def test_flags_win_over_the_environment():
    assert Settings.from_env({"OBSERVATORY_PORT": "9000"}, port=9100).port == 9100


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OBSERVATORY_PORT", "eighty", "OBSERVATORY_PORT='eighty' is not a valid int"),
        ("OBSERVATORY_PORT", "70000", "between 1 and 65535"),
        ("OBSERVATORY_LOG_FORMAT", "xml", "console"),
        ("OBSERVATORY_DATABASE_SCHEMA", "a;drop", "identifier"),
        ("OBSERVATORY_HTTP_HEADER_TIMEOUT_SECONDS", "0", "TIMEOUT_SECONDS must be positive"),
        ("OBSERVATORY_HTTP_BODY_TIMEOUT_SECONDS", "-1", "TIMEOUT_SECONDS must be positive"),
        ("OBSERVATORY_HTTP_MAX_HEADER_BYTES", "10", "at least 1024"),
    ],
)
def test_bad_values_name_the_variable(variable, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({variable: value})
