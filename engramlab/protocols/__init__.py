"""Learning protocols: schedules and teaching signals that run a circuit and return a Result."""
