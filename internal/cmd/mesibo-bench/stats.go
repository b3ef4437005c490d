package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mesibo-community/terraform-provider-mesibo/internal/emulator"
)

// statsURL is the stats address of the emulator serving endpoint.
func statsURL(endpoint string) string {
	return strings.TrimSuffix(endpoint, "/api.php") + "/_emulator/stats"
}

// fetchStats reads the emulator's counters since it started.
func fetchStats(ctx context.Context, url string) (emulator.Stats, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return emulator.Stats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return emulator.Stats{}, fmt.Errorf("reading the emulator's stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return emulator.Stats{}, fmt.Errorf("reading the emulator's stats: HTTP %d", resp.StatusCode)
	}
	var s emulator.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return emulator.Stats{}, fmt.Errorf("reading the emulator's stats: %w", err)
	}
	return s, nil
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
