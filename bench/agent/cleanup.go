package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fatalf reports why the run failed with the end of the marina log, cleans
// up keeping the data directory, and exits. Only the first call does so;
// any later one, from another goroutine, waits for the exit.
func (b *bench) fatalf(format string, args ...any) {
	if !b.failing.CompareAndSwap(false, true) {
		select {}
	}
	fmt.Fprintf(os.Stderr, "FAILED: "+format+"\n", args...)
	if b.m != nil {
		fmt.Fprintf(os.Stderr, "\nlast lines of %s:\n%s\n", filepath.Join(b.m.Dir, "server.log"), tail(filepath.Join(b.m.Dir, "server.log"), 40))
	}
	b.cleanup(true)
	b.removeBin()
	os.Exit(1)
}

// cleanup deletes the run's pods, stops marina, and removes whatever is
// left of the run: shims and their processes, Docker containers of the
// run's pods, the peer's containers, the test image and the sandbox image
// this run built. The data directory stays if keep is set. What it could
// not remove is reported on stderr and in b.leftovers.
func (b *bench) cleanup(keep bool) {
	if b.m == nil {
		return
	}
	if b.stopWatch != nil {
		b.stopWatch()
	}
	if b.ns != "" {
		// The agent stops the containers of deleted pods gracefully.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		pods := b.client.CoreV1().Pods(b.ns)
		if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err == nil {
			for ctx.Err() == nil {
				if list, err := pods.List(ctx, metav1.ListOptions{}); err == nil && len(list.Items) == 0 {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		cancel()
	}
	if err := removePeers(b.runID); err != nil {
		b.leftovers = append(b.leftovers, err.Error())
	}
	b.m.Stop()
	if n := killShims(b.m.Dir); n > 0 {
		b.leftovers = append(b.leftovers, fmt.Sprintf("killed %d shims left after marina stopped", n))
	}
	if ids := b.podContainers(); len(ids) > 0 {
		b.leftovers = append(b.leftovers, fmt.Sprintf("force-removed %d Docker containers of the run's pods left after marina stopped", len(ids)))
		if _, err := docker(append([]string{"rm", "-f"}, ids...)...); err != nil {
			b.leftovers = append(b.leftovers, err.Error())
		}
	}
	if b.image != "" {
		if _, err := docker("rmi", b.image); err != nil {
			b.leftovers = append(b.leftovers, err.Error())
		}
	}
	if b.sandboxImage != "" {
		if _, err := docker("rmi", b.sandboxImage); err != nil {
			b.leftovers = append(b.leftovers, err.Error())
		}
	}
	if ids := b.podContainers(); len(ids) > 0 {
		b.leftovers = append(b.leftovers, fmt.Sprintf("Docker containers of the run's pods still there: %s", strings.Join(ids, " ")))
	}
	if out, _ := docker("ps", "-aq", "--filter", "label="+peerLabel+"="+b.runID); out != "" {
		b.leftovers = append(b.leftovers, "peer containers still there: "+strings.Join(strings.Fields(out), " "))
	}
	for _, l := range b.leftovers {
		fmt.Fprintln(os.Stderr, "cleanup:", l)
	}
	if keep {
		fmt.Fprintln(os.Stderr, "data directory kept:", b.m.Dir)
		return
	}
	b.m.Remove()
}

// podContainers lists the Docker containers (sandboxes too) of the pods
// this run created, by their io.marina.pod.uid label.
func (b *bench) podContainers() []string {
	out, err := docker("ps", "-a", "--filter", "label=io.marina.pod.uid", "--format", `{{.ID}} {{.Label "io.marina.pod.uid"}}`)
	if err != nil {
		b.leftovers = append(b.leftovers, err.Error())
		return nil
	}
	var ids []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 2 && b.uids.has(f[1]) {
			ids = append(ids, f[0])
		}
	}
	return ids
}

// tail is the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return "(empty)"
	}
	return strings.Join(lines, "\n")
}
