"""FlowPilot's rules inside the engine: routing, the task lane, facts and fixes, briefs and views. Pure stdlib."""
