"""Accession actions: receive (登记), check (四性检测), sign manual items, accept (入库), reject, return; ingest."""
