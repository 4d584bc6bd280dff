"""The organiser's judging pages: criteria and award tiers, assignments, the blind check."""
