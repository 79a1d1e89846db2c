"""The evaluation harness (tasks, strategies, runs, reports). Built in a later step."""
