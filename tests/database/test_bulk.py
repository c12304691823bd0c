"""Bulk inserts: SQLAlchemy Core on SQLite, one pipelined round trip on PostgreSQL; the same
rows and the same exceptions either way."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from database.bulk import commit_rows, insert_rows
from database.engine import create_database_engine, resolve_database_url
from database.migrate import upgrade
from database.models import ApiResponse, Request, new_id


def _request(request_id: str) -> dict:
    return {
        "id": request_id,
        "received_at": datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        "source": "api",
        "method": "POST",
        "route": "/predict",
        "status_code": 200,
        "latency_ms": 1.5,
        "client_key_hash": None,
        "error": None,
    }


def _response(request_id: str, body: dict | None) -> dict:
    return {
        "request_id": request_id,
        "status_code": 200,
        "body_sha256": "0" * 64,
        "body": body,
        "sent_at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    }


def test_rows_of_several_tables_are_stored_with_their_types(engine: Engine) -> None:
    upgrade(engine)
    ids = [new_id(), new_id()]
    with engine.begin() as connection:
        insert_rows(
            connection,
            [
                (Request.__table__, [_request(i) for i in ids]),
                (
                    ApiResponse.__table__,
                    [_response(ids[0], {"detail": "é"}), _response(ids[1], None)],
                ),
            ],
        )
    with engine.connect() as connection:
        stored = connection.execute(select(ApiResponse).order_by(ApiResponse.sent_at)).all()
        received = connection.scalars(select(Request.received_at)).all()
        without_body = select(func.count()).where(ApiResponse.body.is_(None))
        assert connection.scalar(without_body) == 1  # SQL NULL, not the JSON value null
    assert {row.request_id for row in stored} == set(ids)
    assert sorted((row.body or {}).get("detail", "") for row in stored) == ["", "é"]
    assert received == [datetime(2026, 11, 23, 8, 0, tzinfo=UTC)] * 2


def test_values_come_back_exactly_as_given(engine: Engine) -> None:
    # On PostgreSQL the rows travel as JSON: floats, times, quotes and nesting must survive it.
    upgrade(engine)
    request_id = new_id()
    paris = timezone(timedelta(hours=1))
    request = {
        **_request(request_id),
        "received_at": datetime(2026, 11, 23, 9, 30, 0, 123456, tzinfo=paris),
        "latency_ms": 0.1 + 0.2,
        "route": '/employees/"1"\\ é 🙂 \u2028',
        "error": None,
    }
    body = {"detail": [{"loc": ["body", "âge"], "input": 'a"b\\c\u0000'}], "n": 1e-310}
    with engine.begin() as connection:
        insert_rows(
            connection,
            [
                (Request.__table__, [request]),
                (ApiResponse.__table__, [_response(request_id, body)]),
            ],
        )
    with Session(engine) as session:
        stored = session.get(Request, request_id)
        response = session.scalars(select(ApiResponse)).one()
    assert stored.received_at == datetime(2026, 11, 23, 8, 30, 0, 123456, tzinfo=UTC)
    assert stored.latency_ms == 0.1 + 0.2
    assert (stored.route, stored.error) == (request["route"], None)
    assert response.body == body


def test_a_naive_time_is_refused_before_anything_is_sent(engine: Engine) -> None:
    upgrade(engine)
    naive = {**_request(new_id()), "received_at": datetime(2026, 11, 23, 9, 0)}
    with pytest.raises(ValueError, match="naive"), engine.begin() as connection:
        insert_rows(connection, [(Request.__table__, [naive])])


def test_a_failed_statement_stores_nothing_of_the_transaction(engine: Engine) -> None:
    upgrade(engine)
    request_id = new_id()
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_rows(
            connection,
            [
                (Request.__table__, [_request(request_id)]),
                (ApiResponse.__table__, [_response(new_id(), None)]),  # no such request
            ],
        )
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Request)) == 0


def test_tables_without_rows_are_skipped(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as connection:
        insert_rows(connection, [(Request.__table__, []), (ApiResponse.__table__, [])])


def test_rows_must_give_every_column_with_a_default(engine: Engine) -> None:
    upgrade(engine)
    request_id = new_id()
    row = _response(request_id, None)
    del row["sent_at"]
    with pytest.raises(ValueError, match="sent_at"), engine.begin() as connection:
        insert_rows(connection, [(Request.__table__, [_request(request_id)])])
        insert_rows(connection, [(ApiResponse.__table__, [row])])


@pytest.mark.postgres
def test_a_lost_connection_is_sqlalchemys_error_and_leaves_the_pool(
    postgres_url: str | None,
) -> None:
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    engine = create_database_engine(resolve_database_url(postgres_url))
    upgrade(engine)
    with engine.connect() as connection:
        pid = connection.scalar(text("select pg_backend_pid()"))
        connection.commit()
        with engine.connect() as other:
            other.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(OperationalError):
            insert_rows(connection, [(Request.__table__, [_request(new_id())])])
        assert connection.invalidated
    engine.dispose()


def test_commit_rows_commits_its_own_transaction(engine: Engine) -> None:
    upgrade(engine)
    request_id = new_id()
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        commit_rows(
            connection,
            [
                (Request.__table__, [_request(request_id)]),
                (ApiResponse.__table__, [_response(request_id, None)]),
            ],
        )
        with engine.connect() as other:  # visible elsewhere: committed
            assert other.scalar(select(func.count()).select_from(ApiResponse)) == 1


def test_a_failed_commit_rows_stores_nothing_and_leaves_the_connection_usable(
    engine: Engine,
) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        with pytest.raises(IntegrityError):
            commit_rows(
                connection,
                [
                    (Request.__table__, [_request(new_id())]),
                    (ApiResponse.__table__, [_response(new_id(), None)]),  # no such request
                ],
            )
        request_id = new_id()
        commit_rows(connection, [(Request.__table__, [_request(request_id)])])
    with engine.connect() as connection:
        assert connection.scalars(select(Request.id)).all() == [request_id]
