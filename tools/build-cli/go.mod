module github.com/mesibo-community/terraform-provider-mesibo/tools/build-cli

go 1.26.8

require golang.org/x/mod v0.35.0
