"""Approvals before production: a mapping's lifecycle and sign-offs, the review queue, and
the store's "require approval" setting (issue 20)."""
