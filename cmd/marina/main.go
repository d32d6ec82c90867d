// Command marina is a container and service orchestrator that serves the
// Kubernetes API. See internal/cli for its commands.
package main

import (
	"os"

	"github.com/marina-orchestrator/marina/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
