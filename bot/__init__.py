"""ResolutionFlow Bot."""
