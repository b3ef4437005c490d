# A user is imported by its address. The access token is not readable from the
# API: it stays empty in state until a change of token_rotation_triggers issues
# a new one.
terraform import mesibo_user.alice alice@example.com
