"""The Runs page and Run now: run history, progress and cancel, dead letters, Run with…."""
