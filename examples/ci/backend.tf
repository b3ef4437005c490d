# The state of one Mesibo app, kept between CI runs in an S3 bucket and locked
# while a plan or an apply runs (S3-native locking, Terraform 1.10 and later).
# The state holds the access token of every user: keep the bucket private,
# encrypted and readable only by the CI role and the people who run Terraform.
terraform {
  required_version = ">= 1.10"

  required_providers {
    mesibo = {
      source = "mesibo-community/mesibo"
    }
  }

  backend "s3" {
    bucket       = "example-terraform-state"                   # your bucket, created once, with versioning on
    key          = "mesibo/com.example.chat/terraform.tfstate" # one state per Mesibo app
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true # writes terraform.tfstate.tflock next to the state while it is in use
  }
}
