// Command terraform-provider-mesibo serves the Mesibo provider to Terraform.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// gcPercent is the garbage collector's target unless GOGC says otherwise.
// The provider allocates many short-lived values per resource and RPC (the
// framework decodes and encodes every plan and state) over a small live
// heap, so at Go's default of 100 the collector took 30% of the provider's
// CPU time in a plan of 1,000 users. At 200 it took 18%, and the provider's
// CPU time fell from 4.0 s to 3.2 s, for a peak RSS of 127 MiB instead of
// 104 MiB (400 saved no more CPU, for 179 MiB). `make bench` reports both.
const gcPercent = 200

// providerAddress is the provider's source address in the Terraform Registry.
const providerAddress = "registry.terraform.io/mesibo-community/mesibo"

// envCPUProfile, when set, makes the provider write a CPU profile of its
// whole run to "<value>.<pid>.pprof" (Terraform starts the provider several
// times per command). A development aid for `make bench`; not documented for
// users.
const envCPUProfile = "MESIBO_PROVIDER_CPU_PROFILE"

func main() {
	var withDebugger bool
	flag.BoolVar(&withDebugger, "debug", false, "start the provider with support for debuggers such as delve")
	flag.Parse()

	if err := run(withDebugger); err != nil {
		log.Fatal(err.Error())
	}
}

func run(withDebugger bool) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if prefix := os.Getenv(envCPUProfile); prefix != "" {
		stop, err := startCPUProfile(prefix)
		if err != nil {
			return err
		}
		defer stop()
	}

	var opts []tf6server.ServeOpt
	if withDebugger {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	if off := quietLogLevels(withDebugger, os.Environ()); off != nil {
		for name, level := range off {
			if err := os.Setenv(name, level); err != nil {
				return err
			}
		}
		// go-plugin's own few lines (the plugin's address) go the same way.
		opts = append(opts, tf6server.WithGoPluginLogger(hclog.NewNullLogger()))
	}
	// What providerserver.Serve does for protocol 6, with the options above.
	return tf6server.Serve(providerAddress, providerserver.NewProtocol6(provider.New(version)()), opts...)
}

// quietLogLevels returns the log level variables to set to silence the
// provider, or nil when its logs may be read.
//
// Terraform reads the log lines a provider writes to its stderr and keeps them
// only when TF_LOG or TF_LOG_PROVIDER is set; otherwise it parses and drops
// them. Yet terraform-plugin-go and the framework log at TRACE unless told
// otherwise: a line or two per validator, plan modifier, attribute and RPC of
// every resource, JSON-encoded, which took a third of the provider's CPU
// time in a plan of a few hundred resources. So when no logging variable is
// set, the provider sets the levels of its loggers to OFF through the
// variables that terraform-plugin-log documents for that, which
// terraform-plugin-go and the framework read at every RPC (Terraform passes
// its whole environment to the provider, so these are the user's choice
// otherwise). When any logging variable is set, nothing changes: every line
// is written as before. Under -debug the logs go to the developer's terminal,
// not to Terraform, so they stay on too.
func quietLogLevels(debug bool, environ []string) map[string]string {
	if debug {
		return nil
	}
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if value != "" && logsRequestedBy(strings.ToUpper(name)) {
			return nil
		}
	}
	return map[string]string{
		"TF_LOG_SDK":           "OFF", // terraform-plugin-go's root logger
		"TF_LOG_SDK_PROTO":     "OFF", // terraform-plugin-go's protocol logger
		"TF_LOG_SDK_FRAMEWORK": "OFF", // terraform-plugin-framework
		provider.LogLevelEnv:   "OFF", // this provider's own tflog lines, and its API client's
	}
}

// logsRequestedBy reports whether an environment variable of that name asks
// for provider logs: TF_LOG and TF_LOG_PROVIDER make Terraform keep them,
// TF_LOG_SDK* and TF_LOG_PROVIDER_* choose their levels. TF_LOG_CORE,
// TF_LOG_CLOUD and TF_LOG_PATH alone do not keep provider logs.
func logsRequestedBy(name string) bool {
	return name == "TF_LOG" || name == "TF_LOG_PROVIDER" ||
		strings.HasPrefix(name, "TF_LOG_SDK") || strings.HasPrefix(name, "TF_LOG_PROVIDER_")
}

// startCPUProfile starts writing a CPU profile to a file named after prefix
// and this process, and returns the function that finishes it.
func startCPUProfile(prefix string) (stop func(), err error) {
	f, err := os.Create(fmt.Sprintf("%s.%d.pprof", prefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envCPUProfile, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", envCPUProfile, err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
