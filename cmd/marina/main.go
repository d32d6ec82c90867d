// Command marina is a container and service orchestrator that serves the
// Kubernetes API. See internal/cli for its commands.
package main

import (
	"os"

	"github.com/marina-orchestrator/marina/internal/cli"
	// Handles `marina shim` and `marina pause` before the heavy packages
	// initialize; see its doc.
	_ "github.com/marina-orchestrator/marina/internal/reexec"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
