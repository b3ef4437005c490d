# A user that another configuration, or the app itself, manages.
data "mesibo_user" "support_bot" {
  address = "support-bot@example.com"
}

# Send from that user without managing it here.
resource "mesibo_message" "hello" {
  from    = data.mesibo_user.support_bot.address
  to      = "alice@example.com"
  message = "Hello from Support!"
}

output "support_bot_uid" {
  value = data.mesibo_user.support_bot.uid
}
