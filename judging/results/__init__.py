"""The organiser's side of the outcome: the ranking read from the sheets, its charts and
exports, and the award decisions made from it."""
