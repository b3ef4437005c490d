package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// sample is one repeat of one phase: the provider's configuration and the
// floor's, run one after the other.
type sample struct {
	Repeat          int     `json:"repeat"`
	ProviderSeconds float64 `json:"provider_seconds"`
	FloorSeconds    float64 `json:"floor_seconds"`
	// ProviderTotalCPU and FloorCPU are the CPU time of each run's
	// Terraform, the providers included: unlike the times, they hardly
	// change with how busy the machine is.
	ProviderTotalCPU float64        `json:"provider_run_cpu_seconds"`
	FloorCPU         float64        `json:"floor_run_cpu_seconds"`
	Calls            map[string]int `json:"calls_by_op"`
	Faults           int            `json:"faults"`
	PeakRSSKiB       int64          `json:"provider_peak_rss_kib"`
	ProviderCPU      float64        `json:"provider_cpu_seconds"`
}

// phaseSummary is the median of a phase's samples.
type phaseSummary struct {
	Phase           string  `json:"phase"`
	ProviderSeconds float64 `json:"provider_seconds"`
	FloorSeconds    float64 `json:"floor_seconds"`
	// Ratio is the median of the samples' provider/floor ratios (each
	// sample's two runs were taken side by side).
	Ratio          float64 `json:"ratio"`
	ProviderRunCPU float64 `json:"provider_run_cpu_seconds"`
	FloorRunCPU    float64 `json:"floor_run_cpu_seconds"`
	// CPURatio is the median of the samples' ratios of CPU times.
	CPURatio float64 `json:"cpu_ratio"`
	// IdealSeconds is floor + API calls x latency / parallelism: the floor
	// plus the time the calls must wait for the API at best.
	IdealSeconds float64 `json:"ideal_seconds"`
	RatioToIdeal float64 `json:"ratio_to_ideal"`
	APICalls     int     `json:"api_calls"`
	// CallsByOp is the median number of requests per API op.
	CallsByOp   map[string]int `json:"calls_by_op"`
	Retries     int            `json:"retries"`
	PeakRSSMiB  float64        `json:"provider_peak_rss_mib"`
	ProviderCPU float64        `json:"provider_cpu_seconds"`
	Samples     []sample       `json:"samples"`
}

// median of xs (the mean of the middle two for an even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// ratio is a/b, or 0 (shown as "-") when b is not positive.
func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// idealSeconds is the floor plus the API calls' latency, spread over the
// parallel operations Terraform runs.
func idealSeconds(floorSeconds float64, calls int, latency time.Duration, parallelism int) float64 {
	return floorSeconds + float64(calls)*latency.Seconds()/float64(max(parallelism, 1))
}

func summarize(phase string, samples []sample, latency time.Duration, parallelism int) phaseSummary {
	var prov, floor, ratios, ideals, idealRatios, calls, faults, rss, cpu, provCPU, floorCPU, cpuRatios []float64
	ops := map[string][]float64{}
	for _, s := range samples {
		n := 0
		for _, v := range s.Calls {
			n += v
		}
		ideal := idealSeconds(s.FloorSeconds, n, latency, parallelism)
		prov = append(prov, s.ProviderSeconds)
		floor = append(floor, s.FloorSeconds)
		ratios = append(ratios, ratio(s.ProviderSeconds, s.FloorSeconds))
		ideals = append(ideals, ideal)
		idealRatios = append(idealRatios, ratio(s.ProviderSeconds, ideal))
		calls = append(calls, float64(n))
		faults = append(faults, float64(s.Faults))
		rss = append(rss, float64(s.PeakRSSKiB))
		cpu = append(cpu, s.ProviderCPU)
		provCPU = append(provCPU, s.ProviderTotalCPU)
		floorCPU = append(floorCPU, s.FloorCPU)
		cpuRatios = append(cpuRatios, ratio(s.ProviderTotalCPU, s.FloorCPU))
	}
	for _, s := range samples {
		for op := range s.Calls {
			if _, seen := ops[op]; seen {
				continue
			}
			ops[op] = make([]float64, 0, len(samples))
			for _, t := range samples {
				ops[op] = append(ops[op], float64(t.Calls[op]))
			}
		}
	}
	byOp := map[string]int{}
	for op, xs := range ops {
		if m := int(math.Round(median(xs))); m != 0 {
			byOp[op] = m
		}
	}
	return phaseSummary{
		Phase:           phase,
		ProviderSeconds: median(prov),
		FloorSeconds:    median(floor),
		Ratio:           median(ratios),
		ProviderRunCPU:  median(provCPU),
		FloorRunCPU:     median(floorCPU),
		CPURatio:        median(cpuRatios),
		IdealSeconds:    median(ideals),
		RatioToIdeal:    median(idealRatios),
		APICalls:        int(math.Round(median(calls))),
		CallsByOp:       byOp,
		Retries:         int(math.Round(median(faults))),
		PeakRSSMiB:      median(rss) / 1024,
		ProviderCPU:     median(cpu),
		Samples:         samples,
	}
}

// report is everything a run measured, as written by -json.
type report struct {
	Machine machineInfo    `json:"machine"`
	Options reportOptions  `json:"options"`
	Phases  []phaseSummary `json:"phases"`
}

type machineInfo struct {
	CPUs             int    `json:"cpus"`
	CPUModel         string `json:"cpu_model"`
	LoadBefore       string `json:"load_average_before"`
	LoadAfter        string `json:"load_average_after"`
	TerraformVersion string `json:"terraform_version"`
}

type reportOptions struct {
	Users         int     `json:"users"`
	Groups        int     `json:"groups"`
	Members       int     `json:"members"`
	Keys          string  `json:"keys"`
	BigGroup      int     `json:"big_group"`
	UpdatePercent int     `json:"update_percent"`
	Repeats       int     `json:"repeats"`
	LatencyMS     float64 `json:"latency_ms"`
	Parallelism   int     `json:"parallelism"`
	FaultRate     float64 `json:"fault_rate,omitempty"`
}

// writeTable prints the report for people.
func writeTable(w io.Writer, r report) error {
	o := r.Options
	fmt.Fprintf(w, "mesibo-bench: %d users (%s keys), %d groups x %d members, big group %d, %d%% updated\n",
		o.Users, o.Keys, o.Groups, o.Members, o.BigGroup, o.UpdatePercent)
	fmt.Fprintf(w, "latency %gms, -parallelism=%d, median of %d; %d CPUs (%s), terraform %s\n",
		o.LatencyMS, o.Parallelism, o.Repeats, r.Machine.CPUs, r.Machine.CPUModel, r.Machine.TerraformVersion)
	fmt.Fprintf(w, "load average before: %s; after: %s\n\n", r.Machine.LoadBefore, r.Machine.LoadAfter)

	width := len("phase")
	for _, p := range r.Phases {
		width = max(width, len(p.Phase))
	}
	fmt.Fprintf(w, "%-*s  %10s  %8s  %6s  %8s  %6s  %10s  %9s  %9s  %9s  %7s  %12s  %14s\n", width, "phase",
		"provider s", "floor s", "ratio", "ideal s", "/ideal", "prov CPU s", "floor CPU", "CPU ratio",
		"API calls", "retries", "peak RSS MiB", "provider CPU s")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "%-*s  %10.2f  %8.2f  %6s  %8.2f  %6s  %10.2f  %9.2f  %9s  %9d  %7d  %12.0f  %14.2f\n", width, p.Phase,
			p.ProviderSeconds, p.FloorSeconds, times(p.Ratio), p.IdealSeconds, times(p.RatioToIdeal),
			p.ProviderRunCPU, p.FloorRunCPU, times(p.CPURatio), p.APICalls, p.Retries, p.PeakRSSMiB, p.ProviderCPU)
	}
	fmt.Fprintln(w, "\nAPI calls by op:")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "  %-*s  %s\n", width, p.Phase, formatOps(p.CallsByOp))
	}
	_, err := fmt.Fprintln(w, "\nratio = provider / floor (terraform_data, same graph); ideal = floor + API calls x latency / parallelism;\n"+
		"prov CPU and floor CPU = CPU time of the whole run, Terraform and provider, which a busy machine hardly changes;\n"+
		"retries = faults the emulator injected; peak RSS and CPU of the provider processes alone, sampled from /proc.")
	return err
}

func times(x float64) string {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return "-"
	}
	return fmt.Sprintf("%.2fx", x)
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage(b []byte) string {
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel(b []byte) string {
	for line := range strings.SplitSeq(string(b), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}
