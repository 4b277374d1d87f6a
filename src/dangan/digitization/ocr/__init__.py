"""Offline Chinese OCR (no Django here): pages in, text in reading order and ALTO XML out."""
