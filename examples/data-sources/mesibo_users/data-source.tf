# Users whose address matches a pattern; "*" is a wildcard. The API returns at
# most 20 users per query.
data "mesibo_users" "example_com" {
  address = "*@example.com"
  limit   = 10
}

output "example_com_addresses" {
  value = [for u in data.mesibo_users.example_com.users : u.address]
}
