"""The live Preview under the designer: sample records in, mapped records out, the value after
every step.
"""
