"""Rate limits per client: which attempts count, under which keys, and room windows."""
