terraform {
  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}

# The default provider block sets no app_token, so it takes the token from
# MESIBO_APP_TOKEN, and the endpoint from MESIBO_ENDPOINT (default:
# https://api.mesibo.com/api.php). No secret is written into the configuration.
provider "mesibo" {
  request_timeout_seconds = 30
  max_retries             = 4
}

# A second app, on an on-premise Mesibo server inside a private network reached
# over plain HTTP. Every alias sets its own app_token: one that sets none
# would take MESIBO_APP_TOKEN too, and send the default app's token to this
# server.
variable "onprem_app_token" {
  type      = string
  sensitive = true
  # Terraform 1.10 and later, OpenTofu 1.11: the value is not stored in saved
  # plan files. Set it again (TF_VAR_onprem_app_token) when applying a saved
  # plan. Older CLIs refuse the argument: leave the line out there.
  ephemeral = true
}

provider "mesibo" {
  alias               = "onprem"
  app_token           = var.onprem_app_token
  endpoint            = "http://mesibo.internal.example.com/api.php"
  allow_insecure_http = true
}
