# The welcome message reached Alice, but the apply that sent it lost Mesibo's
# answer, so Terraform did not record it. Record it as sent, at the time it
# arrived, instead of sending it again.
import {
  to = mesibo_message.welcome_alice
  id = "2025-06-01T09:30:00Z"
}
