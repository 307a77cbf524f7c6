"""Session sharing: share-link records and their repository port (``records``), signed links and tokens
(``signing``), the ``share`` command's wording (``texts``) and what a shared page shows (``pages``).

Three kinds of link, all served by ``rfbot serve``:

* a **team link** (``share``): signed with HMAC for one person, one team and one session, usable for 15 minutes;
  opening it sets a signed, HttpOnly cookie for that session's page, which lasts as long as the link's record;
* a **public link** (``share public 7d``): a random token (256 bits) of which only a SHA-256 hash is stored;
  anyone holding it reads the session, always redacted, until it expires or is revoked;
* a **download link** for an export -- a session's (``export``) or a flow version's YAML (``flow export``,
  ``flow_files``) -- for Teams, where a bot cannot upload files into channels and must ask before it puts one into a
  1:1 chat (``handover``): signed like a team link, short-lived, not stored.
"""
