"""The flow library as people use it in chat: views and texts of `flow show|export|import|publish|archive|restore|
versions|folders|browse` (the commands are in ``bot.engine.commands.flow_library`` and ``flow_admin``)."""
