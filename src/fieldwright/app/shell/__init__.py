"""The main window that composes the pages, its menus and shortcuts, theme, background workers,
shared widgets, the self-test and screenshots.
"""
