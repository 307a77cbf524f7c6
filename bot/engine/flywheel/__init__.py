"""The knowledge flywheel: resolved sessions become flow proposals, and team admins review them.

A nightly schedule (``nightly``: ``nightly_flywheel``, 02:30 in the team's zone) or `proposals run` queues the
``flywheel`` copilot job (``run``), which reads the resolved sessions since the team's watermark (``collect``: free-form
FlowPilot sessions and guided sessions that left their flow, redacted), groups similar ones (``group``: embeddings
when the retriever can embed, keywords offline), drafts a proposal per group (``draft``: a template; ``assist``:
Claude's draft when configured) with its evidence, and messages the team admins. ``review`` publishes, rejects or
dismisses proposals; ``views`` and ``texts`` are how they look. Records and the storage port are in ``records``.
"""
