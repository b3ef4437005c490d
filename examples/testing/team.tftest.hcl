# `terraform test` applies the module against the Mesibo the provider is
# pointed at (MESIBO_ENDPOINT and MESIBO_APP_TOKEN: an emulator, or an app
# made for testing), checks the outputs, and destroys everything at the end.

variables {
  team    = "tftest"
  members = ["ann", "ben"]
}

run "creates_the_team" {
  assert {
    condition     = output.gid > 0
    error_message = "The team's group has no GID."
  }

  assert {
    condition     = length(output.member_uids) == 2 && alltrue([for uid in values(output.member_uids) : uid > 0])
    error_message = "Each member must have a UID."
  }

  assert {
    condition     = output.members_in_mesibo == tolist(["ann@tftest.example.com", "ben@tftest.example.com"])
    error_message = "Mesibo lists ${jsonencode(output.members_in_mesibo)} as the team's members."
  }

  assert {
    condition     = can(timeadd(output.welcome_sent_at, "0s"))
    error_message = "The welcome message has no send time."
  }
}

run "changes_the_members" {
  variables {
    members = ["ben", "cat"]

    # The first run's outputs, to compare with. A variable, because OpenTofu
    # reads run.<name> only here, not in an assertion; Terraform reads both.
    created = run.creates_the_team
  }

  assert {
    condition     = output.members_in_mesibo == tolist(["ben@tftest.example.com", "cat@tftest.example.com"])
    error_message = "Mesibo lists ${jsonencode(output.members_in_mesibo)} as the team's members."
  }

  # The group and its welcome stay: changing the members sends nothing again.
  assert {
    condition     = output.gid == var.created.gid
    error_message = "The team's group was replaced."
  }

  assert {
    condition     = output.welcome_sent_at == var.created.welcome_sent_at
    error_message = "The welcome message was sent again."
  }

  # Ben is the same user as before.
  assert {
    condition     = output.member_uids["ben"] == var.created.member_uids["ben"]
    error_message = "Ben was recreated."
  }
}

run "refuses_a_bad_team_name" {
  command = plan

  variables {
    team = "Not A Name"
  }

  expect_failures = [var.team]
}
