// Package benchutil holds what Marina's benchmarks share: building the
// marina binary, running `marina up` until it is ready, and measuring and
// printing the results (resident memory from /proc, percentiles, units).
//
// The benchmarks are commands under bench/, run from the repository root;
// helpers here log nothing and return errors, and the commands decide
// whether an error ends the run.
package benchutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build builds ./cmd/marina into a temporary directory and returns the
// binary's path and a function that removes it. It must run from the
// repository root; the compiler's output goes to stderr.
func Build() (string, func(), error) {
	dir, err := os.MkdirTemp("", "marina-bench")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "marina")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/marina")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build marina (run from the repository root): %w", err)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}
