"""Who scores what: the assignment made when judging starts, re-balanced when the judges
change, changed by hand; and the organiser's view of it. The pure part (the flow that
finds the assignment) is `judging.assignment`."""
