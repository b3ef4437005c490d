# A user is imported by its address. The access token cannot be read from the
# API: it stays empty in state until a token is issued. The first apply after
# the import records the configured token settings without issuing one.
terraform import mesibo_user.alice alice@example.com
