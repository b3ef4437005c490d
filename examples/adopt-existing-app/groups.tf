# Step 2, once the users are imported: the groups and their members. The API
# cannot read a group's name, flag or expiry back, so the first apply writes
# the values below onto each group: copy them from the Mesibo console. Members
# are read from Mesibo on import; a member missing from the list below is
# removed from its group by the apply, which the plan shows.
variable "groups" {
  description = "The app's groups, keyed by a name of your choice."
  type = map(object({
    gid            = number
    name           = string
    flag           = optional(number, 0)
    expiry_seconds = optional(number, 31536000)
    members        = set(string)
  }))
  default = {
    sales = {
      gid     = 1234
      name    = "Sales"
      flag    = 2
      members = ["alice@example.com", "bob@example.com"]
    }
    support = {
      gid     = 1235
      name    = "Support"
      members = ["carol@example.com"]
    }
  }
}

import {
  for_each = var.groups
  to       = mesibo_group.team[each.key]
  identity = { gid = each.value.gid }
}

resource "mesibo_group" "team" {
  for_each = var.groups

  name           = each.value.name
  flag           = each.value.flag
  expiry_seconds = each.value.expiry_seconds
}

import {
  for_each = var.groups
  to       = mesibo_group_membership.team[each.key]
  identity = { gid = each.value.gid }
}

resource "mesibo_group_membership" "team" {
  for_each = var.groups

  gid     = mesibo_group.team[each.key].gid
  members = each.value.members
}
