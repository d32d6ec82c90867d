// Command workloads benchmarks Marina's workload controllers against
// Docker Swarm in one run, on the same small static web server:
//
//   - a Deployment of N replicas (process runtime, and docker runtime)
//     from creation to N available, against `docker service create
//     --replicas N` to N tasks running
//   - a rolling update of it (maxSurge 25%, maxUnavailable 0) to N
//     updated and available, against `docker service update --image` to
//     another tag of the same image, both with Swarm's default (one task
//     at a time, stop first) and with the equivalent of maxSurge 25%
//     (--update-parallelism N/4 --update-order start-first)
//   - a pod deleted until its replacement is ready, against a task's
//     container removed until Swarm has a new task running
//
// Swarm is timed by polling `docker service ps` every 100 ms (its CLI's
// own wait adds a 5 s stability check); Marina by a watch.
//
// Usage (from the repository root; needs Docker and root):
//
//	go run ./bench/workloads [-replicas 100] [-deletions 10]
//
// It prints a Markdown report for docs/benchmarks.md.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// webServer is the workload: a static HTTP server that listens on $LISTEN
// (process pods each have their own loopback address) or :8080.
const webServer = `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	addr := os.Getenv("LISTEN")
	if addr == "" {
		addr = ":8080"
	}
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "hello from %s\n", host) })
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
`

type bench struct {
	replicas  int
	deletions int
	timeout   time.Duration
	dir       string // the server binary and image context
	server    string // the static server's path
	image     string // repository of the test image (tags v1, v2)
	runID     string
}

func main() {
	replicas := flag.Int("replicas", 100, "replicas of the deployment and the service")
	deletions := flag.Int("deletions", 10, "pods (tasks) deleted one after another for the replacement times")
	timeout := flag.Duration("timeout", 5*time.Minute, "how long each step may take")
	flag.Parse()
	if _, err := os.Stat("/var/run/docker.sock"); err != nil {
		log.Fatal("this benchmark needs Docker: ", err)
	}
	b := &bench{replicas: *replicas, deletions: *deletions, timeout: *timeout, runID: fmt.Sprint(time.Now().Unix())}
	bin, removeBin, err := benchutil.Build()
	if err != nil {
		log.Fatal(err)
	}
	defer removeBin()
	if err := b.buildServer(); err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(b.dir)
	defer docker("rmi", b.image+":v1", b.image+":v2")

	var r report
	for _, rt := range []string{"process", "docker"} {
		res, err := b.marina(bin, rt)
		if err != nil {
			log.Fatalf("marina (%s runtime): %v", rt, err)
		}
		r.marina = append(r.marina, res)
	}
	sw, err := b.swarm()
	if err != nil {
		log.Fatalf("swarm: %v", err)
	}
	r.swarm = sw
	r.print(os.Stdout, b)
}

// buildServer builds the static server and the image FROM scratch that
// holds it, tagged v1 and v2 (the same content).
func (b *bench) buildServer() error {
	dir, err := os.MkdirTemp("", "marina-bench-workloads")
	if err != nil {
		return err
	}
	b.dir = dir
	files := map[string]string{
		"main.go":    webServer,
		"go.mod":     "module web\n\ngo 1.22\n",
		"Dockerfile": "FROM scratch\nCOPY server /server\nENTRYPOINT [\"/server\"]\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	build := exec.Command("go", "build", "-o", "server", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the server: %v\n%s", err, out)
	}
	b.server = filepath.Join(dir, "server")
	b.image = "marina-bench/workload-" + b.runID
	if _, err := docker("build", "-q", "-t", b.image+":v1", dir); err != nil {
		return err
	}
	_, err = docker("tag", b.image+":v1", b.image+":v2")
	return err
}

// docker runs the docker CLI and returns its trimmed output.
func docker(args ...string) (string, error) {
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

func goVersion() string { return runtime.Version() }
