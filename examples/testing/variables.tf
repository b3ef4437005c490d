variable "team" {
  description = "The team's name: the name of its group and the prefix of its members' addresses."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.team))
    error_message = "team must be lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "members" {
  description = "The team's members: their names, which become addresses <name>@<team>.example.com."
  type        = set(string)
}

variable "app_id" {
  description = "The app the members' access tokens are for."
  type        = string
  default     = "com.example.chat"
}

variable "welcome" {
  description = "The message the team's group gets when it is created."
  type        = string
  default     = "Welcome to the team!"
}
