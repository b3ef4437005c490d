# Taking an existing Mesibo app under management: users found with
# terraform query (Terraform 1.14 and later), groups and their members with
# import blocks and for_each. See the "Adopting an existing Mesibo app" guide
# for the order of the steps.
terraform {
  required_version = ">= 1.14"

  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}
