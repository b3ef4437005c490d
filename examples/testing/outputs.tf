output "gid" {
  description = "The team's group."
  value       = mesibo_group.team.gid
}

output "member_uids" {
  description = "The UID of each member, by name."
  value       = { for name, user in mesibo_user.member : name => user.uid }
}

output "members_in_mesibo" {
  description = "The addresses Mesibo lists as members of the group, sorted."
  value       = sort([for m in data.mesibo_group_members.team.members : m.address])
}

output "welcome_sent_at" {
  description = "When the welcome message was sent."
  value       = mesibo_message.welcome.sent_at
}
