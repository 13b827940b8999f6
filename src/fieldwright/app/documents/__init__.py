"""The open document: its Qt session (undo stack, change signals), saving to and opening from the
store.
"""
