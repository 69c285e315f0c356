"""``bench/media.py`` keeps working: a short conversation with an image, in a subprocess.
Only counts are checked (encodings, bytes sent), never timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_media_bench_counts_encodings() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "media.py"),
            "--turns",
            "5",
            "--size",
            "20000",
            "--repeat",
            "1",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert (out["text"]["encodings"], out["image"]["encodings"], out["naive"]["encodings"]) == (0, 1, 5)
    # every request of the image conversation carries the image (base64: 4/3 of its bytes)
    assert out["image"]["request_bytes"] - out["text"]["request_bytes"] > 5 * 20000 * 4 // 3
    assert out["image"]["request_bytes"] == out["naive"]["request_bytes"]
    assert out["image_vs_text_cpu"] > 0 and out["naive_vs_image_cpu"] > 0
