resource "mesibo_group" "support" {
  name = "Support"

  # Optional settings.
  flag                     = 0
  expiry_seconds           = 31536000 # one year
  expiry_extension_seconds = 2592000  # extend by 30 days on activity
  active                   = true
}
