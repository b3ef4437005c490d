# A small module to test: a team is a Mesibo group, one user per member in
# it, and a bot that welcomes the team when its group is created.

locals {
  domain = "${var.team}.example.com"
}

resource "mesibo_user" "member" {
  for_each = var.members

  address = "${each.key}@${local.domain}"
  app_id  = var.app_id
}

resource "mesibo_user" "bot" {
  address = "bot@${local.domain}"
  app_id  = var.app_id
}

resource "mesibo_group" "team" {
  name = var.team
}

resource "mesibo_group_membership" "team" {
  gid       = mesibo_group.team.gid
  members   = [for user in mesibo_user.member : user.address]
  exclusive = true
}

resource "mesibo_message" "welcome" {
  from    = mesibo_user.bot.address
  gid     = mesibo_group.team.gid
  message = var.welcome

  depends_on = [mesibo_group_membership.team]
}

# What Mesibo holds, read back after the membership has been applied: the
# tests compare it with what was declared.
data "mesibo_group_members" "team" {
  gid = mesibo_group.team.gid

  depends_on = [mesibo_group_membership.team]
}
