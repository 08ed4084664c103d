"""Simulate seconds of CUBA on one thread, three runs in one process (for side-by-side
comparisons of two checkouts: run it with each on PYTHONPATH, alternating).

    PYTHONPATH=OLD python benchmarks/cuba_sim_seconds.py 4000 1.0 old
    PYTHONPATH=NEW python benchmarks/cuba_sim_seconds.py 4000 1.0 new
"""

import sys
import warnings

warnings.simplefilter("ignore")

try:
    from neurosparse.core.benchmark_networks import cuba
except ImportError:  # checkouts before the redesign
    from neurosparse.core.networks import cuba

n, duration, label = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
net = cuba(n, seed=1)
net.run(1e-3, engine="numba", threads=1)  # build, and compile or load the kernel
seconds, spikes = [], []
for _ in range(3):
    rec = net.run(duration, engine="numba", threads=1)
    seconds.append(rec.timings["sim_seconds"])
    spikes.append(int(rec.spike_counts.sum()))
print(label, n, "sim seconds", " ".join(f"{x:.4f}" for x in seconds), "spikes", spikes)
