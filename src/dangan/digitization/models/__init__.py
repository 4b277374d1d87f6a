"""Digitization's models, one module per aggregate."""
