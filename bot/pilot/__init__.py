"""FlowPilot adapters: the Claude copilot (``claude``), its prompts, output schemas and parser, and retrieval.

The only package besides the composition root (``bot.app``) that imports the Anthropic and Voyage SDKs. It
implements the engine's ports (``bot.engine.copilot``) and depends on ``bot.engine``, ``bot.notes`` and
``bot.flows`` only.
"""
