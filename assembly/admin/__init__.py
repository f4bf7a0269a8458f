"""Administration in the browser: accounts of facilitators, researchers and administrators."""
