variable "users" {
  description = "The app's users, keyed by their Mesibo address."
  type = map(object({
    app_id               = string
    token_expiry_minutes = optional(number)
    max_groups           = optional(number)
    active               = optional(bool, true)
  }))
  default = {
    "alice@example.com" = {
      app_id = "com.example.chat"
    }
    "bob@example.com" = {
      app_id     = "com.example.chat"
      max_groups = 20
    }
    "carol@example.com" = {
      app_id = "com.example.chat"
    }
    "dave@example.com" = {
      app_id = "com.example.chat"
      active = false
    }
    "helpdesk-bot@example.com" = {
      app_id               = "com.example.bot"
      token_expiry_minutes = 43200 # 30 days
    }
  }
}

variable "support_agents" {
  description = "Addresses (keys of var.users) that staff the support group."
  type        = set(string)
  default     = ["alice@example.com", "helpdesk-bot@example.com"]
}

variable "token_rotation" {
  description = "Change this value to issue new access tokens to every user."
  type        = string
  default     = "initial"
}
