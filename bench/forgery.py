"""Forgery detection and false alarms of the image verifier on simulated captures.

    .venv/bin/python bench/forgery.py [--per-cell N] [--seed S] [--only scan|phone|upload]
                                      [--json OUT] [--save DIR] [--cache DIR]

Builds (or reuses) a corpus of genuine TTDs and legalizations issued with a dev PKI
(bench/forgesim/corpus.py), makes N genuine pages and N forged pages per forgery type
(bench/forgesim/forge.py), prints and captures each page three ways (bench/forgesim/capture.py:
flatbed scan at 300 dpi, 12 MP phone photo, the same photo uploaded at ~2 MP) and runs
``verifier.image.verify_image`` on every capture. The generator never imports ``verifier``:
the two are written separately so they cannot share a blind spot.

Prints, per capture type: for each forgery type the detection rate (a verdict other than
VALID counts as flagged), the share caught by a check aimed at that forgery (``AIMED``: a
forgery flagged only by a check that also fires on genuine captures is not really caught)
and how many of the flagged were only INDETERMINATE; for genuine captures
the false-alarm rate (not VALID) and the INDETERMINATE count; the median and 90th percentile
of the seconds ``verify_image`` took (only that call is timed; one process), as wall time and
as the process's CPU time (all its threads: what one core would spend, and much less disturbed
than wall time by other work on a shared machine); the load average before and after. Exit
status 2 when the verifier cannot be imported.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.forgesim.capture import (  # noqa: E402
    Capture,
    cover_marker,
    phone_12mp,
    scan_300dpi,
    upload_from_phone,
)
from bench.forgesim.corpus import DEFAULT_CACHE, Corpus, Genuine, build_corpus  # noqa: E402
from bench.forgesim.forge import LEG_FORGERIES, TTD_FORGERIES, forge  # noqa: E402

CAPTURE_NAMES = {"scan": "scan 300 dpi", "phone": "phone 12 MP", "upload": "upload 2 MP"}
AIMED = {
    "photo_substituted": {"PHOTO_MISMATCH"},
    "photo_edited": {"PHOTO_MISMATCH"},
    "field_pasted": {"FIELD_MISMATCH", "MRZ_MISMATCH"},
    "field_retyped": {"FIELD_MISMATCH", "MRZ_MISMATCH"},
    "qr_pasted": {"FIELD_MISMATCH", "PHOTO_MISMATCH", "MRZ_MISMATCH", "ROSETTE_MISMATCH"},
    "page_retyped": {"ROSETTE_MISMATCH", "PRINT_FEATURE_MISSING"},
}
"""Reason codes of the checks aimed at each forgery: a forgery flagged only by another check
(one that also fires on genuine captures) is counted as flagged but not as "aimed"."""
GENUINE = "genuine"
COVERED = "genuine, one marker covered"


def cases() -> list[tuple[str, str]]:
    """(case, document kind) rows of the table, genuine first."""
    rows = [(GENUINE, "TTD"), (GENUINE, "LEG"), (COVERED, "TTD"), (COVERED, "LEG")]
    rows += [(kind, "TTD") for kind in TTD_FORGERIES]
    rows += [(kind, "LEG") for kind in LEG_FORGERIES]
    return rows


def make_page(case: str, doc: Genuine, corpus: Corpus, rng: random.Random) -> tuple[Any, str]:
    if case == GENUINE:
        return doc.page(), ""
    if case == COVERED:
        corner = rng.randrange(4)
        return cover_marker(doc.page(), corner, rng), f"marker {corner} covered"
    forgery = forge(case, doc, corpus, rng)
    return forgery.page, forgery.note


def load_verifier() -> Callable[..., Any] | None:
    try:
        from verifier.image import verify_image
    except ImportError as exc:
        print(f"the image verifier is not importable ({exc}); nothing to measure", file=sys.stderr)
        return None
    return verify_image  # type: ignore[no-any-return]


def _load() -> list[float]:
    """The 1, 5 and 15 minute load averages (times under load say little on their own)."""
    return [round(x, 2) for x in os.getloadavg()]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=2, help="captures per cell (default 2)")
    parser.add_argument("--seed", default="0")
    parser.add_argument("--only", choices=sorted(CAPTURE_NAMES))
    parser.add_argument("--json", type=Path, help="write every result and the summary here")
    parser.add_argument("--save", type=Path, help="write the captures here as JPEGs")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)

    verify_image = load_verifier()
    if verify_image is None:
        return 2
    load_start = _load()
    started = time.perf_counter()
    corpus = build_corpus(args.cache)
    trust = corpus.trust_store()
    wanted = [args.only] if args.only else list(CAPTURE_NAMES)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    print(
        f"corpus: {len(corpus.ttds)} TTDs, {len(corpus.legalizations)} legalizations in "
        f"{corpus.folder}; verifying at {corpus.at.isoformat()}; seed {args.seed}; "
        f"{args.per_cell} per cell",
        flush=True,
    )

    results: list[dict[str, Any]] = []
    for case, kind in cases():
        docs = corpus.ttds if kind == "TTD" else corpus.legalizations
        offset = random.Random(f"{args.seed}:{case}:{kind}").randrange(len(docs))
        for i in range(args.per_cell):
            rng = random.Random(f"{args.seed}:{case}:{kind}:{i}")
            doc = docs[(offset + i) % len(docs)]  # a different document each time
            page, note = make_page(case, doc, corpus, rng)
            captures: dict[str, Capture] = {}
            if "scan" in wanted:
                scan_rng = random.Random(f"{args.seed}:{case}:{kind}:{i}:s")
                captures["scan"] = scan_300dpi(page, scan_rng)
            if "phone" in wanted or "upload" in wanted:
                phone_rng = random.Random(f"{args.seed}:{case}:{kind}:{i}:p")
                phone = phone_12mp(page, phone_rng)
                if "phone" in wanted:
                    captures["phone"] = phone
                if "upload" in wanted:
                    captures["upload"] = upload_from_phone(phone, phone_rng)
            for name, capture in captures.items():
                t0 = time.perf_counter()
                c0 = time.process_time()
                try:
                    report = verify_image(capture.jpeg, trust, corpus.at).report
                    verdict = str(getattr(report.verdict, "value", report.verdict))
                    codes = list(report.codes)
                    # checks that could not run make a verdict INDETERMINATE without a code
                    # in report.codes: keep theirs too, marked with "?"
                    codes += [
                        f"?{c.code}"
                        for c in report.checks
                        if str(getattr(c.status, "value", c.status)) == "SKIPPED"
                        and c.code not in ("NOT_APPLICABLE", "OK")
                    ]
                except Exception as exc:  # a crash is a finding, not the end of the run
                    verdict, codes = "CRASH", [f"{type(exc).__name__}: {exc}"]
                seconds = time.perf_counter() - t0
                cpu = time.process_time() - c0
                record = {
                    "capture": name,
                    "case": case,
                    "kind": kind,
                    "document": doc.number,
                    "note": note,
                    "index": i,
                    "verdict": verdict,
                    "codes": codes,
                    "seconds": round(seconds, 4),
                    "cpu_seconds": round(cpu, 4),
                    "capture_params": capture.params,
                    "page_corners": [[round(x, 1), round(y, 1)] for x, y in capture.corners],
                }
                results.append(record)
                if args.save:
                    tag = case.replace(", ", "-").replace(" ", "_")
                    path = args.save / f"{name}_{kind}_{tag}_{i}_{verdict}.jpg"
                    path.write_bytes(capture.jpeg)
                print(
                    f"  {CAPTURE_NAMES[name]:<13} {kind} {case:<28} {doc.number:<12} "
                    f"{verdict:<13} {seconds:6.2f} s  {','.join(codes[:4])}  {note}",
                    flush=True,
                )

    summary = summarise(results, wanted)
    summary["load_average"] = {"start": load_start, "end": _load()}
    print_table(summary)
    print(f"load average (1, 5, 15 min): start {load_start}, end {summary['load_average']['end']}")
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "results": results}, indent=1))
    return 0


def summarise(results: list[dict[str, Any]], wanted: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in wanted:
        mine = [r for r in results if r["capture"] == name]
        rows: dict[str, dict[str, Any]] = defaultdict(
            lambda: {
                "n": 0,
                "flagged": 0,
                "aimed": 0,
                "indeterminate": 0,
                "crash": 0,
                "codes": Counter(),
            }
        )
        for r in mine:
            row = rows[f"{r['case']} ({r['kind']})"]
            row["n"] += 1
            row["flagged"] += r["verdict"] != "VALID"
            row["aimed"] += bool(AIMED.get(r["case"], set()) & set(r["codes"]))  # "?" never
            row["indeterminate"] += r["verdict"] == "INDETERMINATE"
            row["crash"] += r["verdict"] == "CRASH"
            row["codes"].update(set(r["codes"]) - {"OK"})
        for row in rows.values():
            row["codes"] = dict(row["codes"].most_common())
        seconds = [r["seconds"] for r in mine]
        cpu = [r["cpu_seconds"] for r in mine]
        out[name] = {
            "rows": dict(rows),
            "median_s": statistics.median(seconds) if seconds else None,
            "p90_s": percentile(seconds, 0.9) if seconds else None,
            "median_cpu_s": statistics.median(cpu) if cpu else None,
            "p90_cpu_s": percentile(cpu, 0.9) if cpu else None,
            "images": len(seconds),
        }
    return out


def print_table(summary: dict[str, Any]) -> None:
    for name, part in summary.items():
        if name not in CAPTURE_NAMES:
            continue
        print(
            f"\n{CAPTURE_NAMES[name]}: {part['images']} images, verify_image median "
            f"{part['median_s']:.2f} s, p90 {part['p90_s']:.2f} s (CPU time of the process: "
            f"median {part['median_cpu_s']:.2f} s, p90 {part['p90_cpu_s']:.2f} s)"
        )
        print(
            f"  {'case':<36} {'n':>3} {'flagged':>7} {'rate':>5} {'aimed':>5} {'INDET':>5} "
            f"{'crash':>5}"
        )
        for label, row in part["rows"].items():
            rate = row["flagged"] / row["n"] if row["n"] else 0.0
            genuine = label.startswith(GENUINE)
            what = "false alarms" if genuine else "detected"
            aimed = "" if genuine else f"{row['aimed'] / row['n']:.0%}"
            codes = " ".join(f"{code}×{n}" for code, n in list(row["codes"].items())[:4])
            print(
                f"  {label:<36} {row['n']:>3} {row['flagged']:>7} {rate:>5.0%} {aimed:>5} "
                f"{row['indeterminate']:>5} {row['crash']:>5}  {what:<12}  {codes}"
            )


if __name__ == "__main__":
    sys.exit(main())
