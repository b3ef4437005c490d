terraform {
  required_version = ">= 1.5.0"

  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}

# The app token and endpoint come from the environment:
#   MESIBO_APP_TOKEN  the Mesibo app token (required)
#   MESIBO_ENDPOINT   optional; https://api.mesibo.com/api.php by default
provider "mesibo" {}
