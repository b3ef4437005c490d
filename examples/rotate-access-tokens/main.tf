# Rotating users' access tokens: a change to any value of
# token_rotation_triggers issues the user a new access token, in place: the
# user keeps its UID and its groups. Here every token is rotated at the first
# apply of each calendar month, and at once whenever var.rotation changes.
terraform {
  required_version = ">= 1.5"

  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}

variable "users" {
  description = "The users, keyed by address."
  type = map(object({
    app_id = string
  }))
  default = {
    "alice@example.com" = { app_id = "com.example.chat" }
    "bob@example.com"   = { app_id = "com.example.chat" }
  }
}

variable "rotation" {
  description = "Change it (to a date, say) to rotate every token now, after a leak for example."
  type        = string
  default     = "initial"
}

resource "mesibo_user" "team" {
  for_each = var.users

  address = each.key
  app_id  = each.value.app_id

  # Longer than the time between two rotations (45 days for a monthly one),
  # so that no token expires before the next one is issued.
  token_expiry_minutes = 45 * 24 * 60

  token_rotation_triggers = {
    month  = formatdate("YYYY-MM", plantimestamp())
    manual = var.rotation
  }
}

# Hand the tokens to your backend through a secrets store, for example with
#   terraform output -json access_tokens
output "access_tokens" {
  description = "The current access token of each user, by address."
  value       = { for address, user in mesibo_user.team : address => user.access_token }
  sensitive   = true
}
