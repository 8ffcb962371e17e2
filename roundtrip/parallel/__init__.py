"""Using both cores safely: process pools, Ctrl-C in workers, worker ids, the frozen heap.

pool is the one way every parallel path starts its workers (and does the work itself when
it cannot); interrupts, worker_ids and heap are its building blocks.

May import: the base modules only (errors, workspace); nothing of the domain.
"""
