"""Panelbot's benchmark suite: `python -m benchmarks [--only NAME ...] [--quick] [--json PATH]`.

Each benchmark module has `NAME`, `TITLE` and `async def run(ctx) -> list[Row]`; see benchmarks/README.md.
"""

BENCHMARKS = ("vote_path", "sweep", "catchup", "burst", "email_drain", "footprint", "report", "anonymity", "hostile")
