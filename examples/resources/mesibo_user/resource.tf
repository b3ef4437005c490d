resource "mesibo_user" "alice" {
  address = "alice@example.com"
  app_id  = "com.example.chat"

  # Optional settings.
  token_expiry_minutes = 43200 # 30 days
  active               = true
  max_groups           = 50
  flag                 = 0

  # Change any value to issue a new access token in place.
  token_rotation_triggers = {
    rotated = "2025-01"
  }
}

# The access token is sensitive: hand it to the app through a secret store,
# or read it with `terraform output -raw alice_access_token`.
output "alice_access_token" {
  value     = mesibo_user.alice.access_token
  sensitive = true
}
