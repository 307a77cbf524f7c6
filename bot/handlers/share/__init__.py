"""The sharing pages of ``rfbot serve``: the routes (``http``) and the page around a shared session (``page``).

What may be shown is decided in the engine (``bot.engine.sharing.pages``); this package only translates HTTP
requests into its calls and its answers into strictly-headed HTML.
"""
