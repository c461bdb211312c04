"""The panel's domain: pure Python, no I/O; the clock is always passed in."""
