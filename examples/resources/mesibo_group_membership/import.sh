# A membership is imported by the GID of its group; import fills members with
# the group's current members.
terraform import mesibo_group_membership.support_agents 1234
