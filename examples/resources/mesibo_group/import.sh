# A group is imported by its GID. The API cannot read a group's name, flag or
# expiry back: the first apply after the import sets them as configured.
terraform import mesibo_group.support 1234
