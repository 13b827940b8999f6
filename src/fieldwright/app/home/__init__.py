"""The Home page: start a mapping, open an example, a recent file or a stored mapping."""
