"""Citizens joining an assembly: invite code, pseudonym, and the optional questions."""
