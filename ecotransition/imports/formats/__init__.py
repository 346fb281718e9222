"""One module per family of import formats; base.py holds what they share."""
