resource "mesibo_group" "support" {
  name = "Support"
}

resource "mesibo_user" "agent" {
  for_each = toset(["agent1@example.com", "agent2@example.com"])

  address = each.key
  app_id  = "com.example.chat"
}

# Manages only the listed members: members added by the apps themselves or by
# other configurations are left alone.
resource "mesibo_group_membership" "support_agents" {
  gid     = mesibo_group.support.gid
  members = [for u in mesibo_user.agent : u.address]
}

# Manages the whole member list: members found in the group that are not listed
# here are shown as drift, and apply removes them. The apply that creates it
# removes none: the plan after it shows them.
resource "mesibo_group" "ops" {
  name = "Operations"
}

resource "mesibo_group_membership" "ops" {
  gid       = mesibo_group.ops.gid
  members   = [mesibo_user.agent["agent1@example.com"].address]
  exclusive = true
}

# Only editors send: members with other permissions go in a membership of
# their own. Without permissions, no permission flags are sent or read.
resource "mesibo_group" "news" {
  name = "News"
}

resource "mesibo_group_membership" "news_editors" {
  gid         = mesibo_group.news.gid
  members     = [mesibo_user.agent["agent1@example.com"].address]
  permissions = {} # every permission
}

resource "mesibo_group_membership" "news_readers" {
  gid     = mesibo_group.news.gid
  members = [mesibo_user.agent["agent2@example.com"].address]
  permissions = {
    send = false
  }
}
