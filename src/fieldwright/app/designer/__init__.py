"""The Mapping Designer page: source and target schema trees, mapping lines, the inspector and its
step editor, the function palette, auto-map and schema import.
"""
