# Taking many existing groups under management at once (Terraform 1.7 and
# later): one import block with for_each over a map of GIDs, and the resource
# blocks written by hand, since `terraform plan -generate-config-out` cannot
# write configuration for an import block with for_each.
terraform {
  required_version = ">= 1.7"

  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}

# One entry per group, keyed by a name of your choice. The API cannot read a
# group's name, flag or expiry back, so the first apply writes the values below
# onto each group, replacing what it has today: copy them from the Mesibo
# console. Members are read from Mesibo on import; list the ones each group has.
locals {
  groups = {
    sales = {
      gid            = 1234
      name           = "Sales"
      flag           = 2
      expiry_seconds = 31536000
      members        = ["alice@example.com", "bob@example.com"]
    }
    support = {
      gid            = 1235
      name           = "Support"
      flag           = 0
      expiry_seconds = 31536000
      members        = ["carol@example.com"]
    }
  }
}

import {
  for_each = local.groups
  to       = mesibo_group.team[each.key]
  id       = tostring(each.value.gid)
}

resource "mesibo_group" "team" {
  for_each = local.groups

  name           = each.value.name
  flag           = each.value.flag
  expiry_seconds = each.value.expiry_seconds
}

import {
  for_each = local.groups
  to       = mesibo_group_membership.team[each.key]
  id       = tostring(each.value.gid)
}

resource "mesibo_group_membership" "team" {
  for_each = local.groups

  gid     = mesibo_group.team[each.key].gid
  members = each.value.members
}
