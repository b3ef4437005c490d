import {
  to = mesibo_group.support
  id = "1234"
}
