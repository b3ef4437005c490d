# Messages when users and groups are deleted (Terraform 1.16 and later): a
# before_destroy trigger runs while the object is still there, an
# after_destroy trigger once it is gone. In the action's configuration,
# caller is the resource that triggered it.
terraform {
  required_version = ">= 1.16"

  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}

variable "team" {
  description = "The addresses of the team's users."
  type        = set(string)
  default     = ["alice@example.com", "bob@example.com"]
}

resource "mesibo_user" "bot" {
  address = "bot@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_user" "admin" {
  address = "admin@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_user" "team" {
  for_each = var.team

  address = each.key
  app_id  = "com.example.chat"

  lifecycle {
    # Tell the user before the account is deleted.
    action_trigger {
      events  = [before_destroy]
      actions = [action.mesibo_message.goodbye]
    }

    # Tell the admin once it is gone. A failed notice is a warning and does
    # not stop the apply.
    action_trigger {
      events     = [after_destroy]
      actions    = [action.mesibo_message.account_deleted]
      on_failure = continue
    }
  }
}

resource "mesibo_group" "support" {
  name = "Support"

  lifecycle {
    # A message to a group must be sent before the group is deleted.
    action_trigger {
      events  = [before_destroy]
      actions = [action.mesibo_message.support_closing]
    }
  }
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [for user in mesibo_user.team : user.address]
}

action "mesibo_message" "goodbye" {
  config {
    from    = mesibo_user.bot.address
    to      = caller.address
    message = "Your account is being closed. Thank you for chatting with us."
  }
}

action "mesibo_message" "account_deleted" {
  config {
    from    = mesibo_user.bot.address
    to      = mesibo_user.admin.address
    message = "The account ${caller.address} was deleted."
  }
}

action "mesibo_message" "support_closing" {
  config {
    from    = mesibo_user.bot.address
    gid     = caller.gid
    message = "This group is closing now."
  }
}
