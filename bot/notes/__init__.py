"""Ticket notes: render a SessionDocument as Markdown, plain text or HTML (render), and mask secrets (redact)."""
