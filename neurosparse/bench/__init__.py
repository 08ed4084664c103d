"""Benchmarks behind ``neurosparse bench``: the event core against Brian2, side by side.

:func:`bench_network` times neurosparse on the CUBA or COBA network in this process;
:func:`brian2_network` runs the same network in Brian2 (runtime or cpp_standalone, one
thread) in a fresh subprocess, so the two never share a process, a cache or a thread pool;
:func:`time_to_first_result` measures both from a cold interpreter.
"""

from neurosparse.bench.brian2_runner import brian2_network
from neurosparse.bench.core import bench_network, machine_info, time_to_first_result

__all__ = ["bench_network", "brian2_network", "machine_info", "time_to_first_result"]
