output "user_ids" {
  description = "The Mesibo UID of each user, by address."
  value       = { for address, user in mesibo_user.this : address => user.uid }
}

output "access_tokens" {
  description = "The access token of each user, by address: hand them to the apps through a secret store."
  value       = { for address, user in mesibo_user.this : address => user.access_token }
  sensitive   = true
}

output "group_ids" {
  description = "The GID of each group."
  value = {
    support       = mesibo_group.support.gid
    announcements = mesibo_group.announcements.gid
  }
}

output "users_in_mesibo" {
  description = "The example.com users that Mesibo reports, with their state."
  value = {
    for user in data.mesibo_users.example_com.users : user.address => {
      uid    = user.uid
      app_id = user.app_id
      active = user.active
    }
  }
}
