"""Scheduled maintenance runs (domain §7, ``maintenance`` flows): the run record and its repository port, the pure
rules that record results and tell when a run is complete, the neutral views (run card, per-target checklist,
summary) and the ticket note of a finished run. Handlers live in ``bot.engine.commands.maintenance_runs`` (fires,
deadline, summary), ``maintenance_actions`` (buttons and forms) and ``schedule`` (``/rf schedule``)."""
