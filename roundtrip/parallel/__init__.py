"""Using both cores safely: process pools, Ctrl-C in workers, worker ids, the frozen heap.

May import: the base modules only (errors, workspace); nothing of the domain.
"""
