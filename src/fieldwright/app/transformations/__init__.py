"""The Transformations page: the Transformation Builder (issue 19, item 5)."""
