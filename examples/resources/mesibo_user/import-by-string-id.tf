import {
  to = mesibo_user.alice
  id = "alice@example.com"
}
