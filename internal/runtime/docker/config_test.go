package docker

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/go-connections/nat"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

func TestResources(t *testing.T) {
	tests := []struct {
		name string
		in   runtime.Resources
		want container.Resources
	}{
		{name: "none", want: container.Resources{CPUShares: 2}},
		{name: "tiny request", in: runtime.Resources{CPURequestMilli: 1}, want: container.Resources{CPUShares: 2}},
		{name: "request", in: runtime.Resources{CPURequestMilli: 250}, want: container.Resources{CPUShares: 256}},
		{name: "limits", in: runtime.Resources{CPURequestMilli: 1000, CPULimitMilli: 1500, MemoryLimitBytes: 128 << 20},
			want: container.Resources{CPUShares: 1024, CPUPeriod: 100_000, CPUQuota: 150_000, Memory: 128 << 20, MemorySwap: 128 << 20}},
		{name: "tiny limit", in: runtime.Resources{CPULimitMilli: 1}, want: container.Resources{CPUShares: 2, CPUPeriod: 100_000, CPUQuota: 1_000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := resources(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("resources(%+v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestUserSpec(t *testing.T) {
	id := func(n int64) *int64 { return &n }
	tests := []struct {
		name     string
		uid, gid *int64
		want     string
		err      bool
	}{
		{name: "image's user"},
		{name: "user", uid: id(1000), want: "1000"},
		{name: "user and group", uid: id(0), gid: id(20), want: "0:20"},
		{name: "group alone", gid: id(20), err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := userSpec(tc.uid, tc.gid)
			if got != tc.want || (err != nil) != tc.err {
				t.Errorf("userSpec = %q, %v; want %q, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestContainerConfig(t *testing.T) {
	cfg := runtime.ContainerConfig{
		ID: "uid_app_2", PodUID: "uid", PodNamespace: "ns", PodName: "pod", Name: "app", Attempt: 2,
		Image: "img", Command: []string{"/bin/app", "-v"}, Env: []string{"A=1"}, WorkingDir: "/w",
		Mounts: []runtime.Mount{
			{HostPath: "/h", ContainerPath: "/c"},
			{HostPath: "/ro", ContainerPath: "/r", ReadOnly: true},
			{HostPath: "/a:b", ContainerPath: "/ab"},
		},
		Groups: []int64{5, 6}, Privileged: true, ReadOnlyRootFilesystem: true, LogMaxSize: 1000,
	}
	c, h, err := containerConfig(cfg, "sbx", "test-owner")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual([]string(c.Entrypoint), cfg.Command) || c.Cmd != nil {
		t.Errorf("entrypoint %q, cmd %q; want the command as entrypoint and no cmd", c.Entrypoint, c.Cmd)
	}
	wantLabels := map[string]string{
		labelType: typeContainer, labelPodUID: "uid", labelPodNamespace: "ns", labelPodName: "pod",
		labelID: "uid_app_2", labelName: "app", labelAttempt: "2", labelOwner: "test-owner",
	}
	if !reflect.DeepEqual(c.Labels, wantLabels) {
		t.Errorf("labels %v, want %v", c.Labels, wantLabels)
	}
	if h.NetworkMode != "container:sbx" || h.IpcMode != "container:sbx" || !h.Privileged || !h.ReadonlyRootfs {
		t.Errorf("host config %+v", h)
	}
	if want := []string{"/h:/c", "/ro:/r:ro"}; !reflect.DeepEqual(h.Binds, want) {
		t.Errorf("binds %q, want %q", h.Binds, want)
	}
	if len(h.Mounts) != 1 || h.Mounts[0].Source != "/a:b" || h.Mounts[0].Target != "/ab" {
		t.Errorf("mounts %+v, want the path with a colon", h.Mounts)
	}
	if want := []string{"5", "6"}; !reflect.DeepEqual(h.GroupAdd, want) {
		t.Errorf("groups %q, want %q", h.GroupAdd, want)
	}
	if size, files := logLimits(h.LogConfig); h.LogConfig.Type != "json-file" || size != 1000 || files != 5 {
		t.Errorf("log config %+v", h.LogConfig)
	}
	cfg.Command = nil
	if c, _, _ := containerConfig(cfg, "sbx", "test-owner"); c.Entrypoint != nil || c.Cmd != nil {
		t.Errorf("no command: entrypoint %q, cmd %q; want the image's", c.Entrypoint, c.Cmd)
	}
}

func TestStatus(t *testing.T) {
	r := &Runtime{root: "/root"}
	labels := map[string]string{labelType: typeContainer, labelID: "u_c_1", labelPodUID: "u", labelName: "c", labelAttempt: "1"}
	inspect := func(labels map[string]string, s container.State) container.InspectResponse {
		return container.InspectResponse{
			ContainerJSONBase: &container.ContainerJSONBase{State: &s, Image: "sha256:img", Created: "2026-01-02T03:04:05Z"},
			Config:            &container.Config{Labels: labels},
		}
	}
	t0 := "2026-01-02T03:04:06.5Z"
	t1 := "2026-01-02T03:04:07Z"
	base := runtime.ContainerStatus{ID: "u_c_1", PodUID: "u", Name: "c", Attempt: 1, LogPath: "/root/u_c_1/container.log", ImageID: "sha256:img"}
	with := func(f func(*runtime.ContainerStatus)) runtime.ContainerStatus { st := base; f(&st); return st }
	tests := []struct {
		name  string
		in    container.InspectResponse
		want  runtime.ContainerStatus
		notOK bool
	}{
		{name: "running", in: inspect(labels, container.State{Status: "running", Running: true, Pid: 42, StartedAt: t0, FinishedAt: "0001-01-01T00:00:00Z"}),
			want: with(func(s *runtime.ContainerStatus) { s.State, s.PID, s.StartedAt = runtime.Running, 42, parseTime(t0) })},
		{name: "exited", in: inspect(labels, container.State{Status: "exited", ExitCode: 3, StartedAt: t0, FinishedAt: t1}),
			want: with(func(s *runtime.ContainerStatus) {
				s.State, s.ExitCode, s.StartedAt, s.FinishedAt = runtime.Exited, 3, parseTime(t0), parseTime(t1)
			})},
		{name: "ended before its recorded start", in: inspect(labels, container.State{Status: "exited", StartedAt: t1, FinishedAt: t0}),
			want: with(func(s *runtime.ContainerStatus) {
				s.State, s.StartedAt, s.FinishedAt = runtime.Exited, parseTime(t0), parseTime(t0)
			})},
		{name: "OOM killed", in: inspect(labels, container.State{Status: "exited", OOMKilled: true, ExitCode: 137}),
			want: with(func(s *runtime.ContainerStatus) { s.State, s.ExitCode, s.Reason = runtime.Exited, 137, "OOMKilled" })},
		{name: "could not start", in: inspect(labels, container.State{Status: "created", ExitCode: 127, Error: "no such file"}),
			want: with(func(s *runtime.ContainerStatus) {
				created := parseTime("2026-01-02T03:04:05Z")
				s.State, s.ExitCode, s.Reason, s.StartedAt, s.FinishedAt = runtime.Exited, 127, "no such file", created, created
			})},
		{name: "never started", in: inspect(labels, container.State{Status: "created"}),
			want: with(func(s *runtime.ContainerStatus) {
				created := parseTime("2026-01-02T03:04:05Z")
				s.State, s.ExitCode, s.Reason, s.StartedAt, s.FinishedAt = runtime.Exited, 128, "StartError", created, created
			})},
		{name: "sandbox", in: inspect(map[string]string{labelType: typeSandbox}, container.State{Running: true}), notOK: true},
		{name: "not ours", in: inspect(nil, container.State{Running: true}), notOK: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := r.status(tc.in)
			if ok == tc.notOK || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("status = %+v, %v\nwant %+v, %v", got, ok, tc.want, !tc.notOK)
			}
		})
	}
}

func TestPortBindings(t *testing.T) {
	exposed, bindings := portBindings([]runtime.Port{
		{ContainerPort: 80, HostPort: 8080},
		{ContainerPort: 53, HostPort: 5353, Protocol: "UDP", HostIP: "127.0.0.1"},
		{ContainerPort: 9090},
	})
	wantExposed := nat.PortSet{"80/tcp": {}, "53/udp": {}}
	wantBindings := nat.PortMap{"80/tcp": {{HostPort: "8080"}}, "53/udp": {{HostIP: "127.0.0.1", HostPort: "5353"}}}
	if !reflect.DeepEqual(exposed, wantExposed) || !reflect.DeepEqual(bindings, wantBindings) {
		t.Errorf("portBindings = %v, %v; want %v, %v", exposed, bindings, wantExposed, wantBindings)
	}
}

func TestLastRecordTime(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		want          string
	}{
		{name: "missing"},
		{name: "empty", content: ""},
		{name: "records", content: "2026-01-02T03:04:05.1Z stdout F a\n2026-01-02T03:04:05.25Z stderr P b\n", want: "2026-01-02T03:04:05.25Z"},
		{name: "torn last record", content: "2026-01-02T03:04:05.1Z stdout F a\n2026-01-02T03:0", want: "2026-01-02T03:04:05.1Z"},
		{name: "plain text", content: "hello\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if tc.name != "missing" {
				if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := lastRecordTime(p)
			var want time.Time
			if tc.want != "" {
				want, _ = time.Parse(time.RFC3339Nano, tc.want)
			}
			if err != nil || !got.Equal(want) {
				t.Errorf("lastRecordTime = %v, %v; want %v", got, err, want)
			}
		})
	}
}

func TestHostname(t *testing.T) {
	long := strings.Repeat("a", 62) + "-b"
	if got := hostname(long); got != long[:62] {
		t.Errorf("hostname(%q) = %q, want %q", long, got, long[:62])
	}
	if got := hostname("web"); got != "web" {
		t.Errorf("hostname(web) = %q", got)
	}
}

func TestStatsOf(t *testing.T) {
	var s container.StatsResponse
	s.CPUStats.CPUUsage.TotalUsage = 1_500_000_000
	s.MemoryStats.Usage = 10 << 20
	s.MemoryStats.Stats = map[string]uint64{"total_inactive_file": 4 << 20}
	if got := statsOf(s); got.CPU != 1500*time.Millisecond || got.MemoryBytes != 6<<20 {
		t.Errorf("cgroup v1 sample: %+v", got)
	}
	s.MemoryStats.Stats = map[string]uint64{"inactive_file": 1 << 20}
	if got := statsOf(s); got.MemoryBytes != 9<<20 {
		t.Errorf("cgroup v2 sample: %+v", got)
	}
}
