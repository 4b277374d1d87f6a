"""Accession (征集 / 接收): transfers and collected material, BagIt SIP validation, the DA/T 70 four-property check."""
