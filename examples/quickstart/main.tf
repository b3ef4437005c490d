# One Mesibo user per entry of var.users.
resource "mesibo_user" "this" {
  for_each = var.users

  address              = each.key
  app_id               = each.value.app_id
  token_expiry_minutes = each.value.token_expiry_minutes
  max_groups           = each.value.max_groups
  active               = each.value.active

  token_rotation_triggers = {
    rotation = var.token_rotation
  }
}

# A support channel staffed by a few users. The membership is additive:
# customers that the app itself adds to the group are left alone.
resource "mesibo_group" "support" {
  name = "Support"
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [for address in var.support_agents : mesibo_user.this[address].address]
}

# Announcements reach every user, and only them: the membership is exclusive,
# so a member added outside Terraform shows up as drift and is removed.
resource "mesibo_group" "announcements" {
  name                     = "Announcements"
  expiry_seconds           = 63072000 # two years
  expiry_extension_seconds = 2592000  # 30 more days on each use
}

resource "mesibo_group_membership" "announcements" {
  gid       = mesibo_group.announcements.gid
  members   = [for user in mesibo_user.this : user.address]
  exclusive = true
}

# Everyone in the app's example.com domain, as Mesibo sees it (at most 20).
data "mesibo_users" "example_com" {
  address = "*@example.com"

  depends_on = [mesibo_user.this]
}
