"""Microsoft Teams adapter (Microsoft 365 Agents SDK): ``ids`` (card verbs and data, conversation ids),
``translate`` (activities -> engine events, shared files -> ``FileRef``s), ``render``/``render_form`` (views ->
Adaptive Cards), ``http`` (``POST /api/messages``), ``sender`` (replies -> the Bot Connector), ``stream`` (FlowPilot's
replies streamed in 1:1 chats), ``files`` (shared files downloaded for FlowPilot)."""
