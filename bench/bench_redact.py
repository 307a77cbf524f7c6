"""Redaction throughput on a 1 MB ticket-like text, against a baseline of one simple regex pass over it."""

from __future__ import annotations

import re

from bench.timing import best_of, peak_kib
from bot.notes.redact import redact

LINE = ("14:05 Checked FS01 and 192.0.2.10; user jane@example.com says the mapped drive \\\\FS01\\share is gone. "
        "Ran Get-SmbConnection, KB5034441 installed, error 0x80070005. Bearer abcDEF1234567890xyzTOKEN seen.\n")
TEXT = (LINE * (1_000_000 // len(LINE) + 1))[:1_000_000]
BASELINE = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def main() -> None:
    base, _ = best_of(3, lambda: BASELINE.sub("x", TEXT))
    full, result = best_of(3, lambda: redact(TEXT))
    mem = peak_kib(lambda: redact(TEXT))
    mb = len(TEXT) / 1_000_000
    print(f"redact: {mb:.1f} MB in {full * 1000:.0f} ms ({mb / full:.1f} MB/s), {result.total} items masked, "
          f"peak {mem / 1024:.1f} MiB")
    print(f"baseline (one IPv4 regex pass): {base * 1000:.0f} ms — redaction costs {full / base:.1f}x one pass "
          f"for {len(result.counts)} kinds")
