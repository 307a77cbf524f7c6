"""Microsoft Teams adapter (Microsoft 365 Agents SDK): ``ids`` (card verbs and data, conversation ids),
``translate`` (activities -> engine events), ``render``/``render_form`` (views -> Adaptive Cards)."""
