"""supportchat's benchmark harness: Node load generator, baseline relay, runner and report."""
