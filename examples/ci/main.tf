# The app token comes from MESIBO_APP_TOKEN, which the workflow sets from a
# repository secret: it then ends up neither in the state nor in the saved plan
# that the plan job hands to the apply job.
provider "mesibo" {}

resource "mesibo_user" "alice" {
  address = "alice@example.com"
  app_id  = "com.example.chat"
}

resource "mesibo_group" "support" {
  name = "Support"
}

resource "mesibo_group_membership" "support" {
  gid     = mesibo_group.support.gid
  members = [mesibo_user.alice.address]
}
