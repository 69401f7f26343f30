"""Tests of the course kit (the kit itself is the top-level package course/)."""
