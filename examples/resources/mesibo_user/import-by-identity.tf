import {
  to = mesibo_user.alice
  identity = {
    address = "alice@example.com"
  }
}
