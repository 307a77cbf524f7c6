"""The step library: reusable steps (synced from published flows or written by hand), their ratings and reviews,
and the ranking that offers the best-rated alternatives when a step failed. Pure standard library + ``bot.flows``."""
