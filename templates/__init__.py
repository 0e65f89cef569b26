"""The texts of every message, one folder per language (package data, no code)."""
