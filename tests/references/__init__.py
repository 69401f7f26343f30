"""The naive references behind the recurrent cells' golden values, for instructors only.

The student edition leaves this folder out (course/edition.py): a reference forward pass is
the answer to a forward exercise. The tests read the numbers these produce, stored in
tests/golden/values.npz.
"""
