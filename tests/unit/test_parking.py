"""Which errors make an event poison (parked) and which a batch is retried for."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from workers.parking import is_poison


def server_error(cls: type[psycopg.Error], sqlstate: str) -> psycopg.Error:
    """The error psycopg raises for that SQLSTATE (each class carries its own)."""
    error = cls("from the server")
    assert error.sqlstate == sqlstate
    return error


@pytest.mark.parametrize(
    "error",
    [
        psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
        psycopg.ProgrammingError("cannot adapt type 'Decimal'"),
        ValueError("not encodable"),
        TypeError("wrong type"),
    ],
)
def test_errors_of_the_data_are_poison(error):
    assert is_poison(error)


@pytest.mark.parametrize(
    ("cls", "sqlstate"),
    [
        (errors.InvalidTextRepresentation, "22P02"),
        (errors.UniqueViolation, "23505"),
        (errors.ProgramLimitExceeded, "54000"),
    ],
)
def test_server_errors_of_the_data_are_poison(cls, sqlstate):
    assert is_poison(server_error(cls, sqlstate))


@pytest.mark.parametrize(
    ("cls", "sqlstate"),
    [
        (errors.UndefinedTable, "42P01"),
        (errors.UndefinedColumn, "42703"),
        (errors.AdminShutdown, "57P01"),
        (errors.LockNotAvailable, "55P03"),
        (errors.SerializationFailure, "40001"),
    ],
)
def test_errors_a_retry_or_a_migration_fixes_are_not_poison(cls, sqlstate):
    assert not is_poison(server_error(cls, sqlstate))


def test_lost_connections_and_other_failures_are_not_poison():
    assert not is_poison(psycopg.OperationalError("connection refused"))
    assert not is_poison(psycopg.InterfaceError("the connection is closed"))
    assert not is_poison(ConnectionError("reset"))
    assert not is_poison(RuntimeError("chDB directory locked"))
