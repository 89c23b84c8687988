"""The batch page's job lives in the register: two app instances (two web workers, two
machines) answer the same progress, and a second click on either is refused while the step
is queued or running — no job state in a web worker's memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.jobs import Job
from legalize.tasks.queue import JobQueue
from legalize.tasks.steps import Runtime
from legalize.web import create_app
from tests.helpers.web_app import Tokens, bearer, make_env, seeded_sqlite, staff_client


def _progress(client: FlaskClient, batch_id: int) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/staff/batches/{batch_id}/progress.json")
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def test_two_web_workers_see_one_job(tmp_path: Path, web_template: tuple[Path, Tokens]) -> None:
    url, tokens = seeded_sqlite(tmp_path, web_template)
    env = make_env(url, tokens)
    # Web worker A queues on the embedded queue, which no worker reads in this test: the
    # job stays queued until the "worker" below runs it.
    config = replace(env.config, queue="sqlite", instance_dir=tmp_path / "instance")
    app_a = create_app(config, services={"issuer": env.issuer})
    app_b = create_app(config, services={"issuer": env.issuer})
    body = {
        "reference": "TWO-WORKERS",
        "requests": [
            {
                "host_reference": f"TW-{i}",
                "identity": {"surname": "PERERA", "birth_date": "1990-05-14", "sex": "M"},
            }
            for i in range(2)
        ],
    }
    filed = app_a.test_client().post(
        "/api/readmissions/batch", json=body, headers=bearer(env.token)
    )
    assert filed.status_code == 201, filed.get_json()
    batch_id = filed.get_json()["batch_id"]
    alice_a, token_a = staff_client(app_a, "alice")
    alice_b, token_b = staff_client(app_b, "alice")
    assert _progress(alice_b, batch_id)["job"] is None

    started = alice_a.post(f"/staff/batches/{batch_id}/prepare", data={"csrf_token": token_a})
    assert started.status_code == 302
    queued = _progress(alice_b, batch_id)["job"]
    assert queued == {
        "step": "prepare",
        "done": 0,
        "total": 0,
        "running": True,
        "failures": [],
        "result": None,
        "error": None,
    }
    # The other worker refuses a second click: the register says the batch is busy.
    again = alice_b.post(f"/staff/batches/{batch_id}/prepare", data={"csrf_token": token_b})
    assert again.status_code == 409 and "BATCH_RUNNING" in again.get_data(as_text=True)

    # A worker (here in this process, on the same register) runs the job.
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as s:
        job_id = s.scalars(select(Job.id).where(Job.batch_id == batch_id)).one()
    runtime = Runtime(env.config, sessions, lambda: env.issuer, lambda: datetime.now(UTC))
    JobQueue(replace(env.config, queue="immediate"), lambda: runtime).start(job_id)
    engine.dispose()

    seen_a, seen_b = _progress(alice_a, batch_id), _progress(alice_b, batch_id)
    assert seen_a == seen_b
    job = seen_b["job"]
    assert (job["done"], job["total"], job["running"]) == (2, 2, False)
    assert (job["result"]["refused"], job["result"]["total"]) == (2, 2)  # counts that add up
    # Filed through the API without a photo: prepare is refused for each, by line.
    assert [(f["line"], f["code"]) for f in job["failures"]] == [
        (1, "PHOTO_MISSING"),
        (2, "PHOTO_MISSING"),
    ]
    page = alice_b.get(f"/staff/batches/{batch_id}").get_data(as_text=True)
    assert "Prepare finished: 0 prepared, 2 refused." in page  # the page's words, any worker
    assert "Line 1 — <a href=" in page and "PERERA</a>" in page  # failures name the person
    assert 'http-equiv="refresh"' not in page


def test_an_unreachable_queue_is_a_clear_503_and_the_job_waits_on_record(
    tmp_path: Path, web_template: tuple[Path, Tokens]
) -> None:
    url, tokens = seeded_sqlite(tmp_path, web_template)
    env = make_env(url, tokens)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the queue's folder would go")
    config = replace(env.config, queue="sqlite", instance_dir=blocked / "instance")
    app = create_app(config, services={"issuer": env.issuer})
    filed = app.test_client().post(
        "/api/readmissions/batch",
        json={
            "reference": "NO-QUEUE",
            "requests": [
                {
                    "host_reference": "NQ-1",
                    "identity": {"surname": "SILVA", "birth_date": "1985-12-01", "sex": "F"},
                }
            ],
        },
        headers=bearer(env.token),
    )
    batch_id = filed.get_json()["batch_id"]
    alice, token = staff_client(app, "alice")
    response = alice.post(f"/staff/batches/{batch_id}/prepare", data={"csrf_token": token})
    assert response.status_code == 503
    assert "QUEUE_UNAVAILABLE" in response.get_data(as_text=True)
    job = _progress(alice, batch_id)["job"]
    assert job["step"] == "prepare" and job["running"] and job["done"] == 0
