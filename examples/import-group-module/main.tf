# A module that takes an existing group under management: its import blocks
# adopt the group and its membership by the GID it is given. Import blocks
# inside a module need Terraform 1.16 or later (older versions refuse them:
# "Import blocks are only allowed in the root module"); call the module once
# per group, with for_each.
terraform {
  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}

variable "gid" {
  description = "The GID of the existing group."
  type        = number
}

# The API cannot read a group's name, flag or expiry back: the first apply
# writes these values onto the group, replacing what it has. Copy them from the
# Mesibo console.
variable "name" {
  description = "The group's name, as the Mesibo console shows it."
  type        = string
}

variable "flag" {
  description = "The group's flag, as the Mesibo console shows it."
  type        = number
  default     = 0
}

variable "members" {
  description = "The addresses of the group's members: any other member is removed."
  type        = set(string)
}

import {
  to = mesibo_group.this
  id = tostring(var.gid)
}

resource "mesibo_group" "this" {
  name = var.name
  flag = var.flag
}

import {
  to = mesibo_group_membership.this
  id = tostring(var.gid)
}

resource "mesibo_group_membership" "this" {
  gid     = mesibo_group.this.gid
  members = var.members
}

output "gid" {
  description = "The GID of the group, once imported."
  value       = mesibo_group.this.gid
}
