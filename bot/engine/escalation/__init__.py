"""Escalation and handoff (domain §11): the escalation record and its repository port, the structured package for
sessions FlowPilot does not draft, the neutral views of notifications and claims, the claim-to-first-action
statistics, and the reminder hook the scheduler calls. Handlers live in ``bot.engine.commands.escalate``,
``escalation_claim`` and ``escalation_stats``."""
