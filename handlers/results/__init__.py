"""Poll results as safe aggregates: tallies, one disclosure plan per poll and its audit, the published figures, results by language and by profile, their text and the export."""
