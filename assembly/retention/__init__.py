"""Personal data over its life: what a citizen sees and downloads, withdrawal, and the
erase after an assembly ends."""
