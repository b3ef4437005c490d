# The sender of both messages: a user that exists only to send them.
resource "mesibo_user" "bot" {
  address = "bot@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_user" "alice" {
  address = "alice@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_group" "support" {
  name = "Support"
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [mesibo_user.alice.address]
}

# An announcement to the group, sent once when the group is created. A new
# group (a new gid) gets the announcement again; nothing else resends it.
resource "mesibo_message" "support_opened" {
  from    = mesibo_user.bot.address
  gid     = mesibo_group.support.gid
  message = "Welcome to Support! Ask us anything here."

  # Send once the members are in the group, so that they receive it.
  depends_on = [mesibo_group_membership.support]
}

# A welcome message to a new user.
resource "mesibo_message" "welcome_alice" {
  from           = mesibo_user.bot.address
  to             = mesibo_user.alice.address
  message        = "Hi Alice, welcome to Example Chat!"
  expiry_seconds = 604800 # give up delivering it after a week

  triggers = {
    # Bump to send the welcome again on purpose.
    welcome = "1"
    # Send it again to a user recreated with the same address (a new uid).
    uid = mesibo_user.alice.uid
  }
}
