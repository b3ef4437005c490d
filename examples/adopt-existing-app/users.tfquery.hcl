# Step 1: terraform query lists the app's users whose address matches;
# terraform query -generate-config-out=users.tf writes a mesibo_user resource
# and an import block for each. At most 20 users come back per list block:
# add list blocks with narrower patterns for more.
list "mesibo_user" "example_com" {
  provider         = mesibo
  include_resource = true

  config {
    address = "*@example.com"
  }
}
