"""The Template Library page and the Use template dialog."""
