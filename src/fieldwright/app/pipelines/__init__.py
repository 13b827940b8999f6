"""The Pipeline Designer page: the steps as a tree with route branches, a palette of step
types, an editor per step type, live problems and a per-step preview with lineage.
"""
