"""Alert rules: a manager's rule on a KPI or a built-in one, evaluated on a schedule, sending a
message through the delivery outbox once when it starts holding and once when it stops
(docs/alerts.md). Streamlit-free: the Alerts page, `cli.py alerts`, `cli.py deliver`, the app
server's sender and every sync call `alerts.evaluation.evaluate_due`.

- rules.py: what a rule is, how it is checked, kept, changed, snoozed and listed;
- schedule.py: when a rule is due and the evaluation period it is due for;
- readings.py: the figure a rule reads and whether it holds;
- messages.py: the message a transition sends, in the community's language;
- evaluation.py: evaluating what is due, recording it, queueing the messages; a rule's history;
- rules_file.py: rules kept in a YAML file, checked and mirrored into the store.
"""
