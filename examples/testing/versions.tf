terraform {
  required_version = ">= 1.7"

  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}
