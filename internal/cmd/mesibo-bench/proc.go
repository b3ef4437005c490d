package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat; Linux
// fixes it at 100 for user space whatever the kernel's own tick rate.
const clockTicks = 100

// procWatcher follows the provider processes that one Terraform command
// starts (Terraform runs the provider several times per command), by
// polling /proc: their peak resident memory (VmHWM) and their CPU time.
// Where /proc does not exist it finds nothing, and reports zeros.
type procWatcher struct {
	root     string // "/proc", or a directory laid out like it in tests
	ppid     int    // the Terraform process
	prefix   string // the command name (comm) of the provider, cut to 15 bytes as the kernel does
	interval time.Duration

	mu    sync.Mutex
	peak  map[int]int64 // VmHWM in KiB, by pid
	ticks map[int]int64 // utime+stime, by pid

	stop chan struct{}
	done chan struct{}
}

func newProcWatcher(root string, ppid int, command string, interval time.Duration) *procWatcher {
	return &procWatcher{
		root:     root,
		ppid:     ppid,
		prefix:   commOf(command),
		interval: interval,
		peak:     map[int]int64{},
		ticks:    map[int]int64{},
	}
}

// commOf is the name /proc shows for a program: its base name, at most 15
// bytes long.
func commOf(command string) string {
	c := filepath.Base(command)
	if len(c) > 15 {
		c = c[:15]
	}
	return c
}

// start polls until stopAndReport.
func (w *procWatcher) start() {
	w.stop = make(chan struct{})
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		t := time.NewTicker(w.interval)
		defer t.Stop()
		for {
			w.poll()
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// stopAndReport stops polling and returns the highest peak RSS of any of
// the processes, in KiB, and their CPU time added up.
func (w *procWatcher) stopAndReport() (peakKiB int64, cpu time.Duration) {
	if w.stop != nil {
		close(w.stop)
		<-w.done
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var ticks int64
	for pid, p := range w.peak {
		peakKiB = max(peakKiB, p)
		ticks += w.ticks[pid]
	}
	return peakKiB, time.Duration(ticks) * time.Second / clockTicks
}

// poll reads every child of the watched process once.
func (w *procWatcher) poll() {
	entries, err := os.ReadDir(w.root)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(w.root, e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		st, err := parseStat(stat)
		if err != nil || st.ppid != w.ppid || st.comm != w.prefix {
			continue
		}
		status, err := os.ReadFile(filepath.Join(w.root, e.Name(), "status"))
		if err != nil {
			continue
		}
		hwm, err := parseVmHWM(status)
		if err != nil {
			continue
		}
		w.mu.Lock()
		w.peak[pid] = max(w.peak[pid], hwm)
		w.ticks[pid] = max(w.ticks[pid], st.utime+st.stime)
		w.mu.Unlock()
	}
}

type procStat struct {
	comm         string
	ppid         int
	utime, stime int64
}

// parseStat reads the fields of /proc/PID/stat that the watcher needs. The
// command name is in parentheses and may itself contain spaces and
// parentheses, so the fields are counted from the last ')'.
func parseStat(b []byte) (procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("malformed stat %q", b)
	}
	f := strings.Fields(string(b[end+1:]))
	// After the name: state(3) ppid(4) ... utime(14) stime(15).
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("short stat %q", b)
	}
	ppid, err1 := strconv.Atoi(f[1])
	utime, err2 := strconv.ParseInt(f[11], 10, 64)
	stime, err3 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, fmt.Errorf("malformed stat %q", b)
	}
	return procStat{comm: string(b[open+1 : end]), ppid: ppid, utime: utime, stime: stime}, nil
}

// parseVmHWM reads the peak resident set size, in KiB, from
// /proc/PID/status.
func parseVmHWM(b []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != "VmHWM" {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("malformed VmHWM line %q", sc.Text())
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("no VmHWM line")
}
