# A message is imported by the time it was sent (RFC 3339, with a time zone).
# Mesibo cannot read a message back: the first apply after the import records
# the configured arguments as they stand, without sending anything.
terraform import mesibo_message.welcome_alice 2025-06-01T09:30:00Z
