"""ConnectWise Manage (REST API 3.0) behind the ``Psa`` port.

* ``wire`` — the only module that knows ConnectWise field names and JSON shapes (bodies, parsing, conditions).
* ``rest`` — HTTP plumbing: headers, timeouts, retries with backoff, paging, and errors mapped to ``PsaError``.
* ``errors`` — which ``PsaError`` an HTTP answer becomes; ``texts`` — every user-facing sentence.
* ``client`` — ``ConnectWiseClient``, the ``Psa`` implementation the composition root builds per connection.
"""
