package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// webServer is the test image's program: a static HTTP server, so that the
// image is FROM scratch and starts in milliseconds.
const webServer = `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "hello from %s\n", host) })
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
`

// peerLabel marks the peer's `docker run` containers, with the run's ID as
// value.
const peerLabel = "io.marina.bench.run"

// docker runs the docker CLI and returns its trimmed output.
func docker(args ...string) (string, error) {
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// buildImage builds the test image FROM scratch with a static build of
// webServer, tagged b.image.
func (b *bench) buildImage() {
	dir, err := os.MkdirTemp("", "marina-bench-image")
	if err != nil {
		b.fatalf("%v", err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"main.go":    webServer,
		"go.mod":     "module web\n\ngo 1.22\n",
		"Dockerfile": "FROM scratch\nCOPY server /server\nENTRYPOINT [\"/server\"]\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			b.fatalf("%v", err)
		}
	}
	build := exec.Command("go", "build", "-o", "server", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.fatalf("build the test server: %v\n%s", err, out)
	}
	tag := "marina-bench/web:" + b.runID
	if _, err := docker("build", "-q", "-t", tag, dir); err != nil {
		b.fatalf("%v", err)
	}
	b.image = tag
}

// dockerRuns times n `docker run -d` of the test image from c goroutines
// (one at a time when c is 1), then removes the containers.
func (b *bench) dockerRuns(batch string, n, c int) latencies {
	var l latencies
	l.each = make([]time.Duration, n)
	t0 := time.Now()
	benchutil.ForEach(n, c, func(_, i int) bool {
		start := time.Now()
		_, err := docker("run", "-d", "--network", "bridge", "--label", peerLabel+"="+b.runID,
			"--name", fmt.Sprintf("marina-bench-%s-%s-%d", b.runID, batch, i), b.image)
		if err != nil {
			b.fatalf("%v", err)
		}
		l.each[i] = time.Since(start)
		return true
	})
	l.total = time.Since(t0)
	if err := removePeers(b.runID); err != nil {
		b.fatalf("%v", err)
	}
	return l
}

// removePeers force-removes the peer containers of run runID.
func removePeers(runID string) error {
	out, err := docker("ps", "-aq", "--filter", "label="+peerLabel+"="+runID)
	if err != nil || out == "" {
		return err
	}
	_, err = docker(append([]string{"rm", "-f"}, strings.Fields(out)...)...)
	return err
}

// sandboxImages lists the marina/sandbox images by repository:tag.
func sandboxImages() map[string]bool {
	out, _ := docker("images", "--format", "{{.Repository}}:{{.Tag}}", "marina/sandbox")
	m := map[string]bool{}
	for _, img := range strings.Fields(out) {
		m[img] = true
	}
	return m
}
