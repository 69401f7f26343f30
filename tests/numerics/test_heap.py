"""numerics.heap: once numerics is imported, temporary arrays reuse freed memory."""

import platform
import subprocess
import sys

import pytest

from numerics.heap import keep_freed_memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"

# Page faults taken by an elementwise expression over 128 KiB arrays (the GRU's step size at
# batch 64 and 512 units), counted after a warm-up, in a fresh interpreter.
FAULTS_OF_TEMPORARIES = """
import resource, sys
import numpy
if sys.argv[1] == "numerics":
    import numerics
a = numpy.ones((64, 512), numpy.float32)
b = numpy.full((64, 512), 0.5, numpy.float32)
def temporaries():
    return a * b * (1 - b) + (a - b) * (a + b)
for _ in range(20):
    temporaries()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    temporaries()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(imports):
    run = subprocess.run([sys.executable, "-c", FAULTS_OF_TEMPORARIES, imports],
                         capture_output=True, text=True, check=True)
    return int(run.stdout)


@pytest.mark.skipif(not GLIBC, reason="the setting is glibc's")
def test_temporaries_stop_page_faulting_once_numerics_is_imported():
    # Without the setting every temporary starts on fresh pages: 32 faults per 128 KiB array.
    assert faults("numpy only") > 1000
    assert faults("numerics") < 50


@pytest.mark.skipif(not GLIBC, reason="the setting is glibc's")
def test_glibc_accepts_the_setting():
    assert keep_freed_memory() is True


@pytest.mark.skipif(GLIBC, reason="checks the other C libraries")
def test_other_c_libraries_are_left_alone():
    assert keep_freed_memory() is False
