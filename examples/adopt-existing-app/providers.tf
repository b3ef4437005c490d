# The app token comes from MESIBO_APP_TOKEN.
provider "mesibo" {}
