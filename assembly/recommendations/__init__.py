"""From proposals to recommendations: drafting, amendments, votes and the final report."""
