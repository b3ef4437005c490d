package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFormatOps(t *testing.T) {
	if got := formatOps(map[string]int{"useradd": 5, "usersget": 5, "groupadd": 7}); got != "groupadd=7 useradd=5 usersget=5" {
		t.Fatalf("got %q", got)
	}
	if got := formatOps(nil); got != "-" {
		t.Fatalf("no calls: got %q", got)
	}
}

func TestStatsURL(t *testing.T) {
	if got := statsURL("http://127.0.0.1:4242/api.php"); got != "http://127.0.0.1:4242/_emulator/stats" {
		t.Fatal(got)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
	xs := []float64{3, 1, 2}
	median(xs)
	if !reflect.DeepEqual(xs, []float64{3, 1, 2}) {
		t.Fatal("median sorted its argument")
	}
}

func TestIdealAndRatios(t *testing.T) {
	if got := idealSeconds(4, 2000, 20*time.Millisecond, 10); math.Abs(got-8) > 1e-9 {
		t.Fatalf("4 s + 2000 calls x 20 ms / 10 = 8 s, got %v", got)
	}
	if got := idealSeconds(4, 2000, 0, 10); got != 4 {
		t.Fatalf("without latency the ideal is the floor, got %v", got)
	}
	if ratio(1, 0) != 0 || times(ratio(1, 0)) != "-" || times(1.234) != "1.23x" {
		t.Fatal("a ratio to nothing must show as -")
	}
}

func TestSummarize(t *testing.T) {
	samples := []sample{
		{Repeat: 1, ProviderSeconds: 12, FloorSeconds: 10, ProviderTotalCPU: 6, FloorCPU: 4, Calls: map[string]int{"usersget": 100}, PeakRSSKiB: 2048, ProviderCPU: 3},
		{Repeat: 2, ProviderSeconds: 30, FloorSeconds: 20, ProviderTotalCPU: 5, FloorCPU: 4, Calls: map[string]int{"usersget": 100, "userset": 2}, Faults: 4, PeakRSSKiB: 4096, ProviderCPU: 5},
		{Repeat: 3, ProviderSeconds: 11, FloorSeconds: 10, ProviderTotalCPU: 4, FloorCPU: 4, Calls: map[string]int{"usersget": 100}, PeakRSSKiB: 3072, ProviderCPU: 4},
	}
	s := summarize("no-op plan", samples, 100*time.Millisecond, 10)
	// The ratio is the median of each repeat's own ratio (1.2, 1.5, 1.1),
	// not the ratio of the medians (12/10).
	if s.Ratio != 1.2 || s.ProviderSeconds != 12 || s.FloorSeconds != 10 {
		t.Errorf("ratio %v of %v/%v, want 1.2 of 12/10", s.Ratio, s.ProviderSeconds, s.FloorSeconds)
	}
	if s.CPURatio != 1.25 || s.ProviderRunCPU != 5 || s.FloorRunCPU != 4 {
		t.Errorf("CPU %v / %v, ratio %v; want 5 / 4 and the median ratio 1.25", s.ProviderRunCPU, s.FloorRunCPU, s.CPURatio)
	}
	// Ideals: 10+1, 20+1.02, 10+1 s.
	if s.IdealSeconds != 11 || math.Abs(s.RatioToIdeal-12.0/11) > 1e-9 {
		t.Errorf("ideal %v, ratio to ideal %v", s.IdealSeconds, s.RatioToIdeal)
	}
	if s.APICalls != 100 || !reflect.DeepEqual(s.CallsByOp, map[string]int{"usersget": 100}) {
		t.Errorf("calls %d %v; an op seen in one repeat of three has a median of 0", s.APICalls, s.CallsByOp)
	}
	if s.Retries != 0 || s.PeakRSSMiB != 3 || s.ProviderCPU != 4 || len(s.Samples) != 3 {
		t.Errorf("retries %d, peak %v MiB, CPU %v, %d samples", s.Retries, s.PeakRSSMiB, s.ProviderCPU, len(s.Samples))
	}
}

func TestWriteTable(t *testing.T) {
	r := report{
		Machine: machineInfo{CPUs: 2, CPUModel: "AMD EPYC", LoadBefore: "1.00 0.50 0.25", LoadAfter: "2.00 1.00 0.50", TerraformVersion: "1.11.4"},
		Options: reportOptions{Users: 1000, Groups: 50, Members: 20, Keys: "map", BigGroup: 1000, UpdatePercent: 10, Repeats: 3, LatencyMS: 20, Parallelism: 10},
		Phases: []phaseSummary{
			{Phase: "create", ProviderSeconds: 12.5, FloorSeconds: 10, Ratio: 1.25, IdealSeconds: 14, RatioToIdeal: 0.89,
				ProviderRunCPU: 20.5, FloorRunCPU: 16.4, CPURatio: 1.25, APICalls: 2100, CallsByOp: map[string]int{"useradd": 1000, "usersget": 1000, "groupadd": 50, "groupeditmembers": 50}, PeakRSSMiB: 61},
			{Phase: "plan -refresh=false", ProviderSeconds: 5, FloorSeconds: 4.5, Ratio: 1.11, IdealSeconds: 4.5, RatioToIdeal: 1.11},
		},
	}
	var b bytes.Buffer
	if err := writeTable(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"1000 users (map keys), 50 groups x 20 members", "latency 20ms, -parallelism=10, median of 3", "2 CPUs (AMD EPYC)",
		"load average before: 1.00 0.50 0.25; after: 2.00 1.00 0.50",
		"create                    12.50     10.00   1.25x     14.00   0.89x       20.50      16.40      1.25x       2100",
		"useradd=1000 usersget=1000 groupadd=50 groupeditmembers=50",
		"plan -refresh=false  ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
}

func TestMachineFiles(t *testing.T) {
	cpuinfo := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := cpuModel([]byte(cpuinfo)); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel([]byte("processor : 0\n")); got != "unknown" {
		t.Errorf("cpuModel without a model = %q", got)
	}
	if got := loadAverage([]byte("3.35 1.45 0.79 2/345 12345\n")); got != "3.35 1.45 0.79" {
		t.Errorf("loadAverage = %q", got)
	}
}

func TestParseStat(t *testing.T) {
	// A command name with a space and a parenthesis, as any program may have.
	line := "4242 (terraform-pro) x) S 77 4242 77 0 -1 4194560 1234 0 0 0 250 30 0 0 20 0 12 0 1000 100000 2000\n"
	st, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.comm != "terraform-pro) x" || st.ppid != 77 || st.utime != 250 || st.stime != 30 {
		t.Fatalf("parsed %+v", st)
	}
	for _, bad := range []string{"", "12 no parens", "12 (x) S 1 2", "12 (x) S one 2 3 4 5 6 7 8 9 10 11 12"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) accepted", bad)
		}
	}
}

func TestParseVmHWM(t *testing.T) {
	status := "Name:\tterraform-provi\nVmPeak:\t 1700000 kB\nVmHWM:\t   61440 kB\nVmRSS:\t   50000 kB\n"
	if got, err := parseVmHWM([]byte(status)); err != nil || got != 61440 {
		t.Fatalf("parseVmHWM = %d, %v", got, err)
	}
	for _, bad := range []string{"Name:\tx\n", "VmHWM:\t12 MB\n", "VmHWM:\tlots kB\n"} {
		if _, err := parseVmHWM([]byte(bad)); err == nil {
			t.Errorf("parseVmHWM(%q) accepted", bad)
		}
	}
}

// The watcher keeps the highest peak of each child with the provider's name,
// adds up their CPU time, and ignores everything else.
func TestProcWatcher(t *testing.T) {
	root := t.TempDir()
	write := func(pid, comm string, ppid int, utime, stime, hwm int) {
		t.Helper()
		dir := filepath.Join(root, pid)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		stat := pid + " (" + comm + ") S " + strconv.Itoa(ppid) + " 1 1 0 -1 0 0 0 0 0 " + strconv.Itoa(utime) + " " + strconv.Itoa(stime) + " 0 0 20 0 1 0\n"
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
		status := "Name:\t" + comm + "\nVmHWM:\t" + strconv.Itoa(hwm) + " kB\n"
		if err := os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("100", "terraform-provi", 10, 50, 10, 40000)  // the provider, validating
	write("101", "terraform-provi", 10, 300, 40, 90000) // the provider, planning
	write("102", "terraform-provi", 99, 999, 0, 999999) // another Terraform's provider
	write("103", "bash", 10, 999, 0, 999999)            // not the provider
	if err := os.MkdirAll(filepath.Join(root, "self"), 0o755); err != nil {
		t.Fatal(err)
	}

	w := newProcWatcher(root, 10, "/some/dir/terraform-provider-mesibo", time.Hour)
	w.poll()
	write("101", "terraform-provi", 10, 400, 60, 80000) // later: RSS fell, CPU grew
	w.poll()
	peak, cpu := w.stopAndReport()
	if peak != 90000 {
		t.Errorf("peak %d KiB, want 90000", peak)
	}
	if want := 5200 * time.Millisecond; cpu != want {
		t.Errorf("CPU %v, want %v ((50+10+400+60) ticks)", cpu, want)
	}

	// Without /proc there is nothing to report, and no error.
	w = newProcWatcher(filepath.Join(root, "missing"), 10, "terraform-provider-mesibo", time.Millisecond)
	w.start()
	if peak, cpu := w.stopAndReport(); peak != 0 || cpu != 0 {
		t.Errorf("got %d KiB, %v from no /proc", peak, cpu)
	}
}
