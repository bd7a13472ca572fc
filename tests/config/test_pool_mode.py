"""DATABASE_POOL_MODE: what transaction pooling turns off, and a refused unknown mode."""

from __future__ import annotations

import pytest

from config.database import apply_pool_mode, database_config


def test_session_mode_leaves_the_connection_as_it_is() -> None:
    config = database_config("postgres://postgres@127.0.0.1:5432/db")
    before = dict(config)
    assert apply_pool_mode(config, "session") == before


def test_transaction_mode_turns_off_prepared_statements_and_server_side_cursors() -> None:
    config = database_config("postgres://postgres@127.0.0.1:5432/db")
    config["OPTIONS"] = {"connect_timeout": 5}
    apply_pool_mode(config, "transaction")
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert config["OPTIONS"] == {
        "connect_timeout": 5,
        "prepare_threshold": None,
        "server_side_binding": False,
    }


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="DATABASE_POOL_MODE"):
        apply_pool_mode(database_config("postgres://postgres@127.0.0.1:5432/db"), "statement")


def test_a_socket_directory_url_keeps_its_port_apart_from_the_directory() -> None:
    with_port = database_config("postgres://postgres@%2Ftmp%2Fpg%20data:5433/db")
    assert (with_port["HOST"], with_port["PORT"]) == ("/tmp/pg data", "5433")
    without = database_config("postgres://postgres@%2Ftmp%2Fpg/db")
    assert (without["HOST"], without["PORT"]) == ("/tmp/pg", "")
