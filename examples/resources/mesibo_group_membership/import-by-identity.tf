import {
  to = mesibo_group_membership.support_agents
  identity = {
    gid = 1234
  }
}
