# terraform query lists the users whose address ends in @example.com;
# terraform query -generate-config-out=users.tf writes a resource and an
# import block for each.
list "mesibo_user" "example_com" {
  provider         = mesibo
  include_resource = true

  config {
    address = "*@example.com"
  }
}
