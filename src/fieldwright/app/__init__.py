"""The desktop app (Qt).

One sub-package per feature; it reaches everything below through `fieldwright.service` and
`fieldwright.authoring` only.
"""
