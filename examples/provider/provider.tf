terraform {
  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }
}

# The app token comes from MESIBO_APP_TOKEN and the endpoint from
# MESIBO_ENDPOINT (default: https://api.mesibo.com/api.php), so no secret is
# written into the configuration.
provider "mesibo" {
  request_timeout_seconds = 30
  max_retries             = 4
}

# An on-premise Mesibo server inside a private network, reached over plain HTTP.
provider "mesibo" {
  alias               = "onprem"
  endpoint            = "http://mesibo.internal.example.com/api.php"
  allow_insecure_http = true
}
