"""What a photo check costs the web request now that a worker verifies it, beside what the
worker spends: CPU milliseconds per upload in the request (typing and sizing up the picture
from its header, storing it, queuing the token) and per check in the worker (verification,
the register's answer, the annotated page, storing the answer and the check log's row).

    .venv/bin/python bench/photo_queue.py [CHECKS]

A SQLite register with the demo documents (dev keys in a temporary folder), an app on the
embedded queue that no worker reads (so the request's part is timed alone), a simulated
300-dpi scan of an issued (unused) TTD (JPEG, about 1.5 MB) uploaded CHECKS times (default 5); then
each check run by the worker's own task in this process. CPU time (``time.process_time``),
so the figures hold on a loaded machine; wall time printed beside them.
"""

from __future__ import annotations

import io
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(checks: int) -> None:
    import numpy as np
    import pypdfium2 as pdfium
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    from bench.forgesim.capture import scan_300dpi
    from legalize.cases import views
    from legalize.cases.demo import seed_demo
    from legalize.cases.issuer import bind_issuer
    from legalize.config import Config, RateLimits
    from legalize.pki.devkeys import init_dev
    from legalize.registry.db import make_engine, make_session_factory, upgrade
    from legalize.tasks import steps
    from legalize.tasks.steps import Runtime
    from legalize.web import create_app

    folder = Path(tempfile.mkdtemp(prefix="photo-queue-"))
    at = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    pki = init_dev(folder / "keys", at)
    database = f"sqlite:///{folder / 'register.sqlite3'}"
    config = replace(
        Config(),
        database_url=database,
        keys_dir=Path(pki.dir),
        key_passphrase=pki.passphrase,
        rates=RateLimits(public="100000/minute"),
        queue="sqlite",
        instance_dir=folder / "instance",
    )
    engine = make_engine(database)
    upgrade(engine)
    issuer = bind_issuer(config)
    with make_session_factory(engine)() as session:
        seed_demo(session, at + timedelta(hours=1), issuer)
        pdf = next(
            views.document_pdf(session, c.document.number)
            for c in views.list_cases(session, limit=100).items
            if c.kind == "readmission" and c.document is not None and c.document.status == "issued"
        )
    document = pdfium.PdfDocument(pdf)
    page = np.asarray(document[0].render(scale=300 / 72).to_pil().convert("RGB"))
    document.close()
    photo = scan_300dpi(page, random.Random(7)).jpeg
    app = create_app(config, services={"issuer": issuer})
    client = app.test_client()
    form = client.get("/check/photo").get_data(as_text=True)
    csrf = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    def upload() -> str:
        fields: MultiDict[str, object] = MultiDict(
            {"paper": FileStorage(io.BytesIO(photo), "scan.jpg"), "csrf_token": csrf}
        )
        boundary, body = encode_multipart(fields)
        response = client.post(
            "/check/photo", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return str(response.headers["Location"]).rsplit("/", 1)[1]

    upload()  # warm-up: imports, the trust store, the day's salt
    cpu, wall = time.process_time(), time.perf_counter()
    tokens = [upload() for _ in range(checks)]
    request_cpu = (time.process_time() - cpu) / checks * 1000
    request_wall = (time.perf_counter() - wall) / checks * 1000

    sessions = app.extensions["legalize"].sessions
    runtime = Runtime(config, sessions, lambda: issuer, lambda: datetime.now(UTC))
    steps.check_photo(runtime, upload())  # warm-up: OpenCV, the models
    cpu, wall = time.process_time(), time.perf_counter()
    states = [steps.check_photo(runtime, token) for token in tokens]
    worker_cpu = (time.process_time() - cpu) / checks * 1000
    worker_wall = (time.perf_counter() - wall) / checks * 1000
    verdicts = {client.get(f"/check/photo/{t}.json").get_json()["verdict"] for t in tokens}
    engine.dispose()
    app.extensions["legalize"].engine.dispose()

    ended = sorted({str(state) for state in states})
    print(f"photo: {len(photo) / 1e6:.2f} MB JPEG, {checks} checks: {ended}, verdicts {verdicts}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"web request (upload → 303): {request_cpu:7.1f} ms CPU, {request_wall:7.1f} ms wall")
    print(f"worker task (the check):    {worker_cpu:7.1f} ms CPU, {worker_wall:7.1f} ms wall")
    print(f"the request's share of the CPU: {request_cpu / (request_cpu + worker_cpu):.1%}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
