package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// emulatorStats is the emulator's GET /_emulator/stats answer: counters
// since it started.
type emulatorStats struct {
	Requests map[string]int `json:"requests"`
	Faults   map[string]int `json:"faults"`
}

// statsURL is the stats address of the emulator serving endpoint.
func statsURL(endpoint string) string {
	return strings.TrimSuffix(endpoint, "/api.php") + "/_emulator/stats"
}

func fetchStats(ctx context.Context, url string) (emulatorStats, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return emulatorStats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return emulatorStats{}, fmt.Errorf("reading the emulator's stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return emulatorStats{}, fmt.Errorf("reading the emulator's stats: HTTP %d", resp.StatusCode)
	}
	var s emulatorStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return emulatorStats{}, fmt.Errorf("reading the emulator's stats: %w", err)
	}
	return s, nil
}

// callCounts is what one command cost the API: requests per op, and the
// faults the emulator injected (each one a request the client had to retry,
// or gave up on).
type callCounts struct {
	ByOp   map[string]int `json:"by_op"`
	Faults int            `json:"faults"`
}

// total is the number of requests of every op.
func (c callCounts) total() int {
	n := 0
	for _, v := range c.ByOp {
		n += v
	}
	return n
}

// diffStats is what happened between two readings of the counters.
func diffStats(before, after emulatorStats) callCounts {
	c := callCounts{ByOp: map[string]int{}}
	for op, n := range after.Requests {
		if d := n - before.Requests[op]; d != 0 {
			c.ByOp[op] = d
		}
	}
	for kind, n := range after.Faults {
		c.Faults += n - before.Faults[kind]
	}
	return c
}

// formatOps lists requests per op, the most frequent first, as
// "usersget=1000 useradd=1000"; "-" when there were none.
func formatOps(byOp map[string]int) string {
	if len(byOp) == 0 {
		return "-"
	}
	ops := make([]string, 0, len(byOp))
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if byOp[ops[i]] != byOp[ops[j]] {
			return byOp[ops[i]] > byOp[ops[j]]
		}
		return ops[i] < ops[j]
	})
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s=%d", op, byOp[op])
	}
	return strings.Join(parts, " ")
}
