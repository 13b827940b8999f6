"""The Tests page: the mapping's test suite, background re-runs, expected/actual diffs, the test
editor.
"""
