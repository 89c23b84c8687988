"""Verification of legalize documents and third-party ICAO seals, free of any web framework.

Importable and usable offline: it needs a trust store folder, never the register.
"""
