"""How fast scrubber reads a WET file against the JSONL of the same records.

Writes, with a fixed seed, N web-page-like records (default 10,000) as a
Common Crawl style WET file made with warcio (gzip per record, a warcinfo
record first) and as JSONL (plain and gzip), then times reading each with
scrubber's Reader (documents out, no cleaning) and prints one JSON line per
file: its size, the best of ``--repeat`` runs in CPU seconds of this process
(less disturbed than wall time on a shared machine; the readers run no
threads), and MB/s of text. Reading is
meant to be no bottleneck: WET should read at least as fast as JSONL.

    python benchmarks/readers.py /tmp/readers-bench [--records 10000] [--repeat 3]

Needs the warc extra and warcio (both in the test extra).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

from scrubber import Config
from scrubber.sources import Reader

WORDS = ("the council voted budget transport tram network northern district plan debate "
         "decade members spending night regional approved monday late split report city "
         "news sport weather share this home about contact privacy policy cookies").split()


def make_records(n: int, seed: int = 1) -> list[dict]:
    rnd = random.Random(seed)
    recs = []
    for i in range(n):
        lines = ["Home | News | Sport | Contact"]
        for _ in range(rnd.randint(5, 25)):
            lines.append(" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 40))).capitalize() + ".")
        lines.append("Share this: Facebook Twitter")
        recs.append({"id": f"<urn:uuid:{i:08d}-0000-0000-0000-000000000000>",
                     "url": f"https://site{i % 97}.example/page/{i}",
                     "date": "2024-05-01T12:00:00Z", "text": "\n".join(lines)})
    return recs


def write_wet(path: Path, recs: list[dict], packed: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=packed)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "benchmarks/readers.py"}))
        for r in recs:
            headers = StatusAndHeaders("", [("WARC-Type", "conversion"), ("WARC-Target-URI", r["url"]),
                                            ("WARC-Record-ID", r["id"]), ("WARC-Date", r["date"])],
                                       protocol="WARC/1.0")
            w.write_record(w.create_warc_record(r["url"], "conversion", payload=io.BytesIO(r["text"].encode()),
                                                warc_headers=headers, warc_content_type="text/plain"))


def write_jsonl(path: Path, recs: list[dict], packed: bool) -> None:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()
    path.write_bytes(gzip.compress(data, mtime=0) if packed else data)


def time_read(path: Path, repeat: int) -> tuple[float, int, int]:
    best, docs, chars = float("inf"), 0, 0
    for _ in range(repeat):
        start = time.process_time()
        docs = chars = 0
        for d in Reader(Config(), Counter()).read_paths([str(path)]):
            docs += 1
            chars += len(d.text)
        best = min(best, time.process_time() - start)
    return best, docs, chars


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="where the WET and JSONL files are written")
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    recs = make_records(args.records)
    files = {
        "wet.gz": (args.dir / "records.warc.wet.gz", lambda p: write_wet(p, recs, True)),
        "wet": (args.dir / "records.warc.wet", lambda p: write_wet(p, recs, False)),
        "jsonl": (args.dir / "records.jsonl", lambda p: write_jsonl(p, recs, False)),
        "jsonl.gz": (args.dir / "records.jsonl.gz", lambda p: write_jsonl(p, recs, True)),
    }
    for name, (path, write) in files.items():
        write(path)
        seconds, docs, chars = time_read(path, args.repeat)
        if docs != len(recs):
            sys.exit(f"{path}: read {docs} documents, wrote {len(recs)}")
        print(json.dumps({"format": name, "records": docs, "bytes": path.stat().st_size,
                          "seconds": round(seconds, 4), "text_MB_per_s": round(chars / 1e6 / seconds, 1)}))


if __name__ == "__main__":
    main()
