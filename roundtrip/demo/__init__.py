"""``roundtrip demo``: the whole quarterly cycle on the bundled example, and the simulated
department heads who fill its returns (fill: also used by the tests).

May import anything of roundtrip but the CLI.
"""
