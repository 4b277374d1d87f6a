"""The replication app's cryptography: node identity and signatures (``identity``, ``sm2``), signed messages
(``messages``), encryption of what leaves the node (``envelope``), the master key and its escrow (``keys``,
``shares``) and proofs of retrievability for audits (``proofs``). Plain Python, no models; see
docs/development/replication.md for the formats and the reasons behind them."""
