import {
  to = mesibo_group.support
  identity = {
    gid = 1234
  }
}
