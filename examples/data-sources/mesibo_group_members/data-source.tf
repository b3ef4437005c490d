# The members of a group that the app, or another configuration, manages.
data "mesibo_group_members" "support" {
  gid = 5001
}

output "support_members" {
  value = [for m in data.mesibo_group_members.support.members : m.address]
}

# Mesibo lists at most 20 members: say so rather than act on a partial list.
check "support_members_complete" {
  assert {
    condition     = !data.mesibo_group_members.support.truncated
    error_message = "Group 5001 has 20 members or more; Mesibo lists only the first 20."
  }
}
