resource "mesibo_user" "bot" {
  address = "bot@example.com"
  app_id  = "com.example.chat"
}

# The message, sent each time the action is invoked.
action "mesibo_message" "support_opened" {
  config {
    from    = mesibo_user.bot.address
    gid     = mesibo_group.support.gid
    message = "Welcome to Support! Ask us anything here."
  }
}

resource "mesibo_group" "support" {
  name = "Support"
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = ["alice@example.com", "bob@example.com"]
}

# Invoke the action once the members are in the group, when the group is
# created (a new group, with a new gid, included).
resource "terraform_data" "support_opened" {
  triggers_replace = [mesibo_group.support.gid]
  depends_on       = [mesibo_group_membership.support]

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.mesibo_message.support_opened]
    }
  }
}

# Send it again by hand:
#   terraform apply -invoke=action.mesibo_message.support_opened
