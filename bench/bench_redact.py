"""Redaction throughput on a 1 MB ticket-like text, against a baseline of one simple regex pass over it.

``BENCH_REDACT_BYTES`` sets the text's size (default 1,000,000).
"""

from __future__ import annotations

import os
import re

from bench.figures import Result, Row
from bench.timing import best_of, peak_kib
from bot.notes.redact import redact

SIZE = int(os.environ.get("BENCH_REDACT_BYTES", "1000000"))
LINE = (
    "14:05 Checked FS01 and 192.0.2.10; user jane@example.com says the mapped drive \\\\FS01\\share is gone. "
    "Ran Get-SmbConnection, KB5034441 installed, error 0x80070005. Bearer abcDEF1234567890xyzTOKEN seen.\n"
)
TEXT = (LINE * (SIZE // len(LINE) + 1))[:SIZE]
BASELINE = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def main() -> Result:
    """Measure, print the figures and return them."""
    base, _ = best_of(3, lambda: BASELINE.sub("x", TEXT))
    full, result = best_of(3, lambda: redact(TEXT))
    mem = peak_kib(lambda: redact(TEXT))
    mb = len(TEXT) / 1_000_000
    print(
        f"redact: {mb:.1f} MB in {full * 1000:.0f} ms ({mb / full:.1f} MB/s), {result.total} items masked, "
        f"peak {mem / 1024:.1f} MiB"
    )
    print(
        f"baseline (one IPv4 regex pass): {base * 1000:.0f} ms — redaction costs {full / base:.1f}x one pass "
        f"for {len(result.counts)} kinds"
    )
    return Result("redact", "Redaction", f"{mb:g} MB of ticket-like text, best of 3, in this process").add(
        Row("time to redact the text", full * 1000, "ms", base * 1000, "one IPv4 regex pass", digits=0),
        Row("throughput", mb / full, "MB/s", mb / base, "one IPv4 regex pass"),
        Row("items masked", result.total, f"in {len(result.counts)} kinds"),
        Row("peak traced memory", mem / 1024, "MiB"),
    )
