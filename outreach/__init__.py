"""Messages to members by email: survey invitations with a personal link, reminders to those who
have not answered, replies that tell a member what became of their feedback, and the unsubscribes
that stop them. Built on the delivery outbox (delivery/); Streamlit-free, so the CLI, the app
server's sender and tests use it alike. docs/surveys.md and docs/feedback.md say how it is used."""
