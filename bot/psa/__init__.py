"""PSA adapters: implementations of the ``bot.engine.psa.Psa`` port. ``connectwise`` is ConnectWise Manage."""
