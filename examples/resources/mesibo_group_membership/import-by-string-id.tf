import {
  to = mesibo_group_membership.support_agents
  id = "1234"
}
