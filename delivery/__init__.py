"""Delivery: messages built once in a neutral form (message.py), rendered per channel (formats.py),
queued in the app store's outbox and sent with retries (outbox.py, transport.py) to email (SMTP),
Slack, WeCom, Feishu and generic webhooks configured in secrets.toml (channels.py). Streamlit-free:
the CLI (`cli.py deliver`, `cli.py channel`) and the app server's background sender use it alike.
docs/delivery.md has the configuration and the guarantees."""
