"""Qt-free authoring logic below the desktop app: designer edits as pure do/undo commands, auto-map
suggestions, test-suite edits and status, and where documents live (files, the store).

Tested without Qt; the app wraps it in Qt undo commands and signals.
"""
