package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

// Stats asks Docker for one sample of the container's CPU and memory use.
func (r *Runtime) Stats(ctx context.Context, id string) (runtime.Stats, error) {
	resp, err := r.cli.ContainerStatsOneShot(ctx, containerName(id))
	if cerrdefs.IsNotFound(err) {
		return runtime.Stats{}, runtime.ErrNotFound
	}
	if err != nil {
		return runtime.Stats{}, fmt.Errorf("stats of container %s: %w", id, err)
	}
	defer resp.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return runtime.Stats{}, fmt.Errorf("stats of container %s: %w", id, err)
	}
	return statsOf(s), nil
}

// statsOf converts Docker's sample. The working set is usage minus
// inactive file pages, as the kubelet counts it (cgroup v1 names the
// counter total_inactive_file, v2 inactive_file).
func statsOf(s container.StatsResponse) runtime.Stats {
	out := runtime.Stats{Time: s.Read, CPU: time.Duration(s.CPUStats.CPUUsage.TotalUsage)}
	inactive := s.MemoryStats.Stats["total_inactive_file"]
	if v, ok := s.MemoryStats.Stats["inactive_file"]; ok && inactive == 0 {
		inactive = v
	}
	if s.MemoryStats.Usage > inactive {
		out.MemoryBytes = int64(s.MemoryStats.Usage - inactive)
	}
	return out
}
